// @ts-check
// A policy, clicked where an explanation or a reach view names it: the pods it selects and, per
// rule and peer, the pods, namespaces and address ranges it admits (`netpol select --policy`),
// with those pods marked in the truth table and the graph.
/** @import { PolicySelection } from '../pkg/netpol_wasm.js' */
import { ui } from './dom.js';
import { clearExplainData } from './explain.js';
import { esc, plural } from './format.js';
import { state } from './state.js';

/** @param {string[]} items @param {string} none */
const listHtml = (items, none) =>
  (items.length ? `<ul class="names">${items.map((x) => `<li><code>${esc(x)}</code></li>`).join('')}</ul>` : `<p class="hint">${esc(none)}</p>`);

/**
 * The pods `selection` admits through any rule, in order of first mention.
 * @param {PolicySelection} selection
 */
const admittedPods = (selection) => [...new Set(selection.rules.flatMap((r) => r.peers.flatMap((p) => p.pods)))];

/**
 * Show what the policy `name` selects and admits, and mark those pods; `false` when the engine
 * knows no such policy.
 * @param {string} name
 */
export function explainPolicy(name) {
  const engine = state.engine;
  if (!engine) return false;
  /** @type {PolicySelection} */
  let s;
  try {
    s = engine.selectPolicy(name);
  } catch {
    return false;
  }
  state.policy = { name, selects: s.selects, admits: admittedPods(s) };
  clearExplainData();
  ui.explain.dataset.policy = name;
  ui.explainPair.textContent = '';
  const rules = s.rules.map((r) =>
    `<section class="policy-rule" data-path="${esc(r.path)}"><h4><code class="path">${esc(r.path)}</code> ` +
    `<span class="hint">${esc(r.direction.toLowerCase())} · ${esc(r.ports)}</span></h4>` +
    r.peers.map((p) => {
      const parts = [
        p.pods.length ? `${plural(p.pods.length, 'pod')}: ${p.pods.map((x) => `<code>${esc(x)}</code>`).join(', ')}` : '',
        p.namespaces.length ? `namespaces ${p.namespaces.map((x) => `<code>${esc(x)}</code>`).join(', ')}` : '',
        p.addresses.length ? `addresses ${p.addresses.map((x) => `<code>${esc(x)}</code>`).join(', ')}` : '',
      ].filter(Boolean);
      return `<p class="peer"><code class="path">${esc(p.path)}</code> ${esc(p.peer)}: ${parts.length ? parts.join('; ') : '<span class="hint">admits nothing today</span>'}</p>`;
    }).join('') + '</section>');
  ui.explain.innerHTML =
    `<p class="verdict policy-view"><b>POLICY</b> <code>${esc(s.policy)}</code> ` +
    `<span class="hint">· ${esc(s.directions.join(' and ').toLowerCase() || 'no direction')}</span></p>` +
    `<h4>Selects ${plural(s.selects.length, 'pod')} <span class="hint">(outlined in the table and the graph)</span></h4>` +
    listHtml(s.selects, 'No pod: it isolates nothing.') +
    `<h4>Admits ${plural(state.policy.admits.length, 'pod')} <span class="hint">(dashed)</span></h4>` +
    (rules.length ? rules.join('') : '<p class="hint">No rules: the selected pods are isolated and admit nothing.</p>');
  return true;
}
