// @ts-check
// The result panes for the current port and protocol: the truth table, the graph and the
// explanation of what is selected.
import { ui } from './dom.js';
import { clearExplanation, explainPair } from './explain.js';
import { renderGraph } from './graph.js';
import { writeHashSoon } from './hash.js';
import { explainPolicy } from './policy.js';
import { explainReach } from './reach.js';
import { markSelected } from './selection.js';
import { state } from './state.js';
import { saysPortInvalid, showPortInvalid, showRerendered } from './status.js';
import { MAX_TABLE_PODS, renderTable } from './table.js';

/**
 * Milliseconds per pane; `rendered` is false when there was nothing to render (no engine yet,
 * or the port is not valid).
 * @typedef {{ matrix: number, table: number, graph: number, explain: number, rendered: boolean }} RenderTimes
 */

/**
 * The port field's number, or null (and the field marked) when it is not a port.
 * @returns {number | null}
 */
export function readPort() {
  const raw = ui.port.value.trim();
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) {
    ui.portError.textContent = 'port: a number from 1 to 65535';
    ui.port.setAttribute('aria-invalid', 'true');
    return null;
  }
  ui.portError.textContent = '';
  ui.port.removeAttribute('aria-invalid');
  return n;
}

/**
 * Matrix, table, graph and the explanation of the selection (dropped when its pods are gone).
 * @returns {RenderTimes}
 */
export function renderResults() {
  const times = { matrix: 0, table: 0, graph: 0, explain: 0, rendered: false };
  const engine = state.engine;
  if (!engine) return times;
  const port = readPort();
  if (port === null) return times;
  times.rendered = true;
  state.port = port;
  state.protocol = ui.protocol.value;
  let t = performance.now();
  // Above what the table and the graph draw, the truth table is not computed at all: at 10,000
  // pods its 10⁸ cells would not fit in the page.
  const pods = engine.pods;
  const result = pods.length > MAX_TABLE_PODS
    ? { port, protocol: state.protocol, pods, allowed: [] }
    : engine.matrix(port, state.protocol);
  state.result = result;
  times.matrix = performance.now() - t;
  t = performance.now();
  renderTable(result);
  times.table = performance.now() - t;
  t = performance.now();
  renderGraph(result);
  times.graph = performance.now() - t;
  t = performance.now();
  const sel = state.selected;
  if (sel && result.pods.includes(sel.src) && result.pods.includes(sel.dst)) explainPair(sel.src, sel.dst);
  else if (state.reach && result.pods.includes(state.reach.pod)) explainReach(state.reach.pod, state.reach.direction);
  else if (state.policy && explainPolicy(state.policy.name)) markSelected();
  else {
    state.policy = null;
    clearExplanation();
  }
  times.explain = performance.now() - t;
  return times;
}

/** A new port or protocol: render again (the engine stays). */
export function rerender() {
  const engine = state.engine;
  if (!engine || state.stale) { readPort(); return; }
  const t0 = performance.now();
  const wasInvalid = saysPortInvalid();
  const r = renderResults();
  if (!r.rendered) {
    showPortInvalid(engine);
    return;
  }
  if (wasInvalid) showRerendered(engine, performance.now() - t0, r);
  writeHashSoon();
}
