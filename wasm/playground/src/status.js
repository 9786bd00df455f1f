// @ts-check
// The status line at the top: what compiled, how long it took, or what went wrong.
/** @import { Engine } from '../pkg/netpol_wasm.js' */
/** @import { LoadTimings } from './state.js' */
/** @import { RenderTimes } from './results.js' */
import { ui } from './dom.js';
import { esc, messageOf, ms, plural } from './format.js';

/**
 * @param {string} html
 * @param {'' | 'ok' | 'error'} [kind]
 */
export function setStatus(html, kind = '') {
  ui.status.innerHTML = html;
  ui.status.className = kind;
}

/** @param {Engine} engine */
const counts = (engine) => `${plural(engine.pods.length, 'pod')}, ${plural(engine.policies.length, 'policy', 'policies')}`;

/** Whether the status says the port is not valid (so that a valid port restores it). */
export const saysPortInvalid = () => ui.status.dataset.portInvalid === '1';

/**
 * After a compile: the counts and the time to render, or that the port is not valid.
 * @param {Engine} engine
 * @param {LoadTimings} t
 * @param {RenderTimes} r
 */
export function showCompiled(engine, t, r) {
  delete ui.status.dataset.portInvalid;
  if (!r.rendered) {
    ui.status.dataset.portInvalid = '1';
    setStatus(`${counts(engine)} · compiled in ${ms(t.compile)} ms; ` +
      '<span class="bad">the port is not valid</span>: nothing rendered', 'error');
  } else setStatus(`${counts(engine)} · compiled and rendered in ` +
    `<b id="timing" data-ms="${t.total.toFixed(2)}">${ms(t.total)} ms</b>` +
    `<span class="hint"> (compile ${ms(t.compile)}, matrix ${ms(r.matrix)}, table ${ms(r.table)}, graph ${ms(r.graph)} ms)</span>`, 'ok');
}

/**
 * A new port or protocol made the port not valid.
 * @param {Engine} engine
 */
export function showPortInvalid(engine) {
  ui.status.dataset.portInvalid = '1';
  setStatus(`${plural(engine.pods.length, 'pod')} · <span class="bad">the port is not valid</span>: nothing rendered`, 'error');
}

/**
 * A valid port again after an invalid one: the counts and the time to render.
 * @param {Engine} engine
 * @param {number} total
 * @param {RenderTimes} r
 */
export function showRerendered(engine, total, r) {
  delete ui.status.dataset.portInvalid;
  setStatus(`${counts(engine)} · rendered in ` +
    `<b>${ms(total)} ms</b><span class="hint"> (matrix ${ms(r.matrix)}, table ${ms(r.table)}, graph ${ms(r.graph)} ms)</span>`, 'ok');
}

/**
 * The input did not compile.
 * @param {number} count  problems
 * @param {number[]} lines  their lines, ascending
 * @param {boolean} stale  the panes show the last input that compiled
 */
export function showProblemCount(count, lines, stale) {
  setStatus(`<span class="bad">${plural(count, 'problem')}</span> in the input` +
    (lines.length ? ` (line ${lines.join(', ')})` : '') +
    (stale ? ' · showing the last input that compiled' : ''), 'error');
}

/** @param {unknown} err */
export function showEngineFailed(err) {
  setStatus(`<span class="bad">The engine did not load:</span> ${esc(messageOf(err))}`, 'error');
}
