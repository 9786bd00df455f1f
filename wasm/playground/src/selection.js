// @ts-check
// What is selected: one pair (a cell or an edge), one pod's reach (a header) or one policy (its
// name in an explanation), marked in the table and the graph and explained in the explanation
// pane.
/** @import { ReachDirection } from './state.js' */
import { ui } from './dom.js';
import { explainPair } from './explain.js';
import { drawSelectedInGraph } from './graph.js';
import { writeHashSoon } from './hash.js';
import { explainPolicy } from './policy.js';
import { explainReach } from './reach.js';
import { state } from './state.js';

/** Mark the selection in the table and the graph (after either was redrawn). */
export function markSelected() {
  ui.matrix.querySelectorAll('.cell.selected, .head.selected').forEach((b) => b.classList.remove('selected'));
  ui.graph.querySelectorAll('.selected').forEach((e) => e.classList.remove('selected'));
  ui.graph.querySelector('#selected-pair')?.remove();
  for (const cls of ['policy-selects', 'policy-admits']) {
    document.querySelectorAll(`.${cls}`).forEach((e) => e.classList.remove(cls));
  }
  if (state.policy) {
    const { selects, admits } = state.policy;
    /** @param {Element} e @param {string | null} pod */
    const mark = (e, pod) => {
      if (pod === null) return;
      if (selects.includes(pod)) e.classList.add('policy-selects');
      if (admits.includes(pod)) e.classList.add('policy-admits');
    };
    ui.matrix.querySelectorAll('button.head').forEach((b) => mark(b, b.getAttribute('data-pod')));
    ui.graph.querySelectorAll('.node').forEach((n) => mark(n, n.getAttribute('data-pod')));
    return;
  }
  if (state.reach) {
    const { pod, direction } = state.reach;
    ui.matrix.querySelectorAll('button.head').forEach((b) => {
      if (b.getAttribute('data-pod') === pod && b.getAttribute('data-reach') === direction) b.classList.add('selected');
    });
    ui.graph.querySelectorAll('.node').forEach((n) => { if (n.getAttribute('data-pod') === pod) n.classList.add('selected'); });
    return;
  }
  const sel = state.selected;
  if (!sel || !state.result) return;
  const i = state.result.pods.indexOf(sel.src);
  const j = state.result.pods.indexOf(sel.dst);
  if (i < 0 || j < 0) return;
  document.getElementById(`cell-${i}-${j}`)?.classList.add('selected');
  drawSelectedInGraph(i, j);
}

/**
 * Select the pair `src` → `dst`.
 * @param {string} src
 * @param {string} dst
 */
export function select(src, dst) {
  state.selected = { src, dst };
  state.reach = null;
  state.policy = null;
  explainPair(src, dst);
  markSelected();
  writeHashSoon();
}

/**
 * Select who can reach `pod` ("to") or what it can reach ("from").
 * @param {string} pod
 * @param {ReachDirection} direction
 */
export function selectReach(pod, direction) {
  state.reach = { pod, direction };
  state.selected = null;
  state.policy = null;
  explainReach(pod, direction);
  markSelected();
  writeHashSoon();
}

/**
 * Show what the policy `name` selects and admits, marking those pods (the table's headers, the
 * graph's nodes).
 * @param {string} name
 */
export function selectPolicy(name) {
  if (!explainPolicy(name)) return;
  state.selected = null;
  state.reach = null;
  markSelected();
}
