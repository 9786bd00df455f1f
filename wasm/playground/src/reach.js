// @ts-check
// Reach: who can reach a pod (its column header) or what it can reach (its row header), on
// every port, worded as `netpol reach` prints it: the statement, then peer, namespace, pods,
// ports and granting rules.
/** @import { ReachAccess, ReachGrant, ReachPart } from '../pkg/netpol_wasm.js' */
/** @import { ReachDirection } from './state.js' */
import { ui } from './dom.js';
import { clearExplainData } from './explain.js';
import { esc, policyHtml, splitPod } from './format.js';
import { state } from './state.js';

/**
 * One side of a grant line: its rules, `ingress not isolated`, or nothing (an address).
 * @param {ReachAccess} a
 * @param {'egress' | 'ingress'} field
 * @returns {string[]}
 */
function accessHtml(a, field) {
  if (a.access === 'not-checked') return [];
  if (a.access === 'not-isolated') return [`<span class="open">${field} not isolated</span>`];
  return a.rules.map((g) => `${policyHtml(g.policy)} <code class="path">${esc(g.rule)}</code>`);
}

/**
 * Table rows of a part, as `netpol reach` prints them: one per grant line, the peer spanning them.
 * @param {ReachPart} part
 * @param {boolean} to  who can reach the subject (else what it can reach)
 * @returns {string[]}
 */
function reachRows(part, to) {
  /** @type {string[]} */
  const rows = [];
  /**
   * @param {string[]} lead  the peer's cells (HTML): name, namespace, pods
   * @param {string} title   the peer cell's tooltip
   * @param {ReachGrant[]} grants
   */
  const push = (lead, title, grants) => {
    grants.forEach((g, k) => {
      const sides = to ? [accessHtml(g.ingress, 'ingress'), accessHtml(g.egress, 'egress')]
        : [accessHtml(g.egress, 'egress'), accessHtml(g.ingress, 'ingress')];
      const granted = sides.flat().map((x) => `<div>${x}</div>`).join('');
      const first = k === 0 ? lead.map((c, i) => `<td rowspan="${grants.length}"${i === 0 ? ` class="peer" title="${esc(title)}"` : ''}>${c}</td>`).join('') : '';
      rows.push(`<tr>${first}<td class="ports">${esc(g.label)}</td><td class="granted">${granted}</td></tr>`);
    });
  };
  for (const r of part.peers) {
    const name = r.group.startsWith(`${r.namespace}/`) ? r.group.slice(r.namespace.length + 1) : r.group;
    if (r.pods.length === r.group_pods) push([esc(name), esc(r.namespace), String(r.pods.length)], r.group, r.grants);
    else {
      const some = r.pods.map((p) => splitPod(p)[1]).join(', ');
      push([`${esc(name)} <span class="hint">[${esc(some)}]</span>`, esc(r.namespace), `${r.pods.length} of ${r.group_pods}`], r.group, r.grants);
    }
  }
  for (const r of part.external) {
    push([esc(r.addresses.replace(/\n/g, '; ')), '<span class="hint">(outside)</span>', '–'], r.cidrs.join(', '), r.grants);
  }
  return rows;
}

/**
 * One part (subject pods that answer alike): its statement, isolation and table.
 * @param {ReachPart} part
 * @param {boolean} to
 * @param {boolean} headed  there are several parts: name the pods of this one
 */
function partHtml(part, to, headed) {
  const rows = reachRows(part, to);
  const field = to ? 'ingress' : 'egress';
  const iso = part.isolated_by?.length
    ? `<p class="isolated hint">${field} isolated by ${part.isolated_by.map((p) => policyHtml(p)).join(', ')}</p>` : '';
  return '<section class="reach-part">' +
    (headed ? `<h4>${esc(part.pods.join(', '))}</h4>` : '') +
    `<p class="statement">${esc(part.statement)}</p>${iso}` +
    (rows.length
      ? '<table class="reach-table"><thead><tr><th>Peer</th><th>Namespace</th><th>Pods</th><th>Ports</th><th>Granted by</th></tr></thead>' +
        `<tbody>${rows.join('')}</tbody></table>`
      : '<p class="hint">No peers.</p>') +
    '</section>';
}

/**
 * Show who can reach `pod` ("to") or what it can reach ("from").
 * @param {string} pod
 * @param {ReachDirection} direction
 */
export function explainReach(pod, direction) {
  const engine = state.engine;
  if (!engine) return;
  const r = engine.reach(pod, direction);
  const to = direction === 'to';
  clearExplainData();
  ui.explain.dataset.pod = pod;
  ui.explain.dataset.reach = direction;
  ui.explainPair.textContent = '';
  const several = r.parts.length > 1;
  const parts = r.parts.map((part) => partHtml(part, to, several));
  const lead = several ? `<p class="statement">${esc(r.statement.split('\n')[0])}</p>` : '';
  ui.explain.innerHTML =
    `<p class="verdict reach"><b>${to ? 'WHO CAN REACH' : 'WHAT CAN BE REACHED FROM'}</b> <code>${esc(r.subject.name)}</code>` +
    `${r.subject.workload ? ` <span class="hint">${esc(r.subject.workload)}</span>` : ''}` +
    ' <span class="hint">· every port and protocol</span></p>' +
    `${lead}${parts.join('')}`;
}
