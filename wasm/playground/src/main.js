// @ts-check
// netpol playground: plain ES modules, no build step, no network beyond this directory.
// The engine is the wasm package in ../pkg (built by scripts/wasm-build.sh).
/** @import { LinkState } from './hash.js' */
import init from '../pkg/netpol_wasm.js';
import { EXAMPLES } from '../examples/examples.js';
import { engineOptions } from './compile.js';
import { ui } from './dom.js';
import { wire } from './events.js';
import { ms, messageOf } from './format.js';
import { readHash } from './hash.js';
import { applyState, loadExample } from './load.js';
import { state } from './state.js';
import { showEngineFailed } from './status.js';
import { warmUp } from './warmup.js';

// For tests and the curious: the state, and the timings of the last load/compile/render.
Object.assign(window, { netpolPlayground: { state, examples: EXAMPLES } });

/** Start the engine and warm it up; returns how long each took (ms). */
async function startEngine() {
  const t0 = performance.now();
  try {
    await init();
    const tw = performance.now();
    warmUp(engineOptions());
    return { wasmInit: tw - t0, warmUp: performance.now() - tw };
  } catch (err) {
    ui.body.dataset.state = 'failed';
    showEngineFailed(err);
    throw err;
  }
}

/**
 * The state of the link the page was opened with, or why it could not be read.
 * @returns {Promise<{ restored: LinkState | null, linkProblem: string }>}
 */
async function readOpeningLink() {
  if (location.hash.length <= 1) return { restored: null, linkProblem: '' };
  try {
    const restored = await readHash(location.hash);
    return { restored, linkProblem: restored ? '' : 'no cluster in it' };
  } catch (err) {
    return { restored: null, linkProblem: messageOf(err) };
  }
}

async function main() {
  wire();
  const { wasmInit, warmUp: warm } = await startEngine();
  const { restored, linkProblem } = await readOpeningLink();
  if (restored) applyState(restored);
  else loadExample('cluster');
  state.timings.wasmInit = wasmInit;
  state.timings.warmUp = warm;
  state.timings.sinceNavigation = performance.now(); // page opened -> first table rendered
  const first = { ...state.timings };
  state.timings.firstLoad = first;
  requestAnimationFrame(() => setTimeout(() => { first.paintedSinceNavigation = performance.now(); }, 0));
  if (linkProblem) {
    ui.sourceName.textContent = `(the link could not be read: ${linkProblem}; showing an example)`;
  }
  ui.status.title = `engine (wasm) loaded in ${ms(wasmInit)} ms, warmed up in ${ms(warm)} ms`;
}

main();
