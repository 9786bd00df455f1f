// @ts-check
// Compiling the editor's text into an Engine and rendering everything from it; on failure the
// problems are shown and the panes keep the last Engine that compiled.
/** @import { EngineOptions } from '../pkg/netpol_wasm.js' */
/** @import { LoadTimings } from './state.js' */
import { Engine } from '../pkg/netpol_wasm.js';
import { ui } from './dom.js';
import { writeHashSoon } from './hash.js';
import { clearProblems, showProblems, showWarnings } from './problems.js';
import { renderResults } from './results.js';
import { state } from './state.js';
import { showCompiled } from './status.js';

const EDIT_DEBOUNCE_MS = 300;
let editTimer = 0;

/** @returns {EngineOptions} */
export function engineOptions() {
  return { selfTraffic: ui.selfTraffic.value === 'evaluate' ? 'evaluate' : 'allow', strict: !ui.lenient.checked };
}

/** Compile once typing pauses. */
export function compileSoon() {
  clearTimeout(editTimer);
  editTimer = setTimeout(() => compileAndRender(), EDIT_DEBOUNCE_MS);
}

/** @param {'ready' | 'error'} pageState */
function finishAttempt(pageState) {
  ui.body.dataset.gen = String(state.gen);
  ui.body.dataset.state = pageState;
}

/**
 * Make `engine` the current one (freeing the previous) and show its warnings.
 * @param {Engine} engine
 */
function adopt(engine) {
  state.engine?.free();
  state.engine = engine;
  state.stale = false;
  clearProblems();
  showWarnings(engine.warningProblems);
}

/**
 * Record when the browser has painted the load started at `t0` (for the report; not part of the
 * number shown).
 * @param {number} t0
 */
function recordPaint(t0) {
  const gen = state.gen;
  requestAnimationFrame(() => setTimeout(() => {
    if (state.gen === gen) state.timings.painted = performance.now() - t0;
  }, 0));
}

/**
 * Compile the editor text and render everything; returns the timings, or null when the text did
 * not compile.
 * @param {number} [t0]  when the load started (example picked, file read, edit applied)
 * @returns {LoadTimings | null}
 */
export function compileAndRender(t0 = performance.now()) {
  clearTimeout(editTimer);
  const text = ui.editor.value;
  let engine;
  const tCompile = performance.now();
  try {
    engine = new Engine(text, engineOptions());
  } catch (err) {
    state.gen++;
    showProblems(err);
    finishAttempt('error');
    writeHashSoon();
    return null;
  }
  const tCompiled = performance.now();
  adopt(engine);
  let r;
  try {
    r = renderResults();
  } catch (err) {
    // The input compiled but its results could not be drawn (too large, or the engine failed):
    // say so beside the text instead of leaving the previous input's results unmarked.
    state.gen++;
    showProblems(err);
    finishAttempt('error');
    return null;
  }
  const tEnd = performance.now();
  state.gen++;
  /** @type {LoadTimings} */
  const timings = {
    total: tEnd - t0,
    editor: tCompile - t0,
    compile: tCompiled - tCompile,
    matrix: r.matrix, table: r.table, graph: r.graph, explain: r.explain,
  };
  state.timings = timings;
  showCompiled(engine, timings, r);
  finishAttempt('ready');
  recordPaint(t0);
  writeHashSoon();
  return timings;
}
