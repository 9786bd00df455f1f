// @ts-check
// The explanation of one connection: the verdict, per direction the isolating policies and the
// admitting rule or why none admits (per address family when the families decide differently),
// and the report as `netpol check` prints it.
/** @import { DirectionExplanation, Explanation } from '../pkg/netpol_wasm.js' */
import { ui } from './dom.js';
import { esc, policyHtml } from './format.js';
import { state } from './state.js';

const PLACEHOLDER = 'Click a cell of the truth table or an edge of the graph for one connection; ' +
  'a pod\'s column header for who can reach it, its row header for what it can reach.';

/** @type {Record<string, string>} */
const REASONS = {
  admitted: 'admitted',
  'no-rule-admits': 'no rule admits',
  'not-isolated': 'not isolated: no policy of this type selects the pod',
  'not-a-pod': 'not a pod: this direction is not checked',
  'self-traffic': 'a pod may always reach itself (self traffic: allow)',
  'no-common-family': 'no address family in common with the other end: no connection can exist',
  'admin-accepted': 'accepted by the admin tier (final for this direction)',
  'admin-denied': 'denied by the admin tier (final)',
  'baseline-accepted': 'not isolated by NetworkPolicies; accepted by the baseline tier',
  'baseline-denied': 'not isolated by NetworkPolicies; denied by the baseline tier',
};

/** @type {Record<string, string>} */
const ACTION_WORDS = { Accept: 'accepted', Deny: 'denied', Pass: 'passed on' };

/**
 * What an admin tier did: the deciding rule(s) of the priority group, with their actions.
 * @param {'admin' | 'baseline'} tier
 * @param {DirectionExplanation['admin']} step
 * @param {'egress' | 'ingress'} kind
 */
function tierHtml(tier, step, kind) {
  if (!step) return '';
  const items = step.matches.map((m) =>
    `<li class="${m.action === step.action ? 'decides' : 'overruled'}">${policyHtml(m.policy, `${m.kind} ${m.policy}`)} ` +
    `priority ${m.priority} <code class="path">spec.${kind}[${m.rule}]</code>` +
    `${m.rule_name ? ` <span class="rule-name">${esc(m.rule_name)}</span>` : ''} (${esc(m.action)})</li>`);
  return `<h4 class="tier" data-tier="${tier}" data-action="${esc(step.action)}">${tier === 'admin' ? 'Admin' : 'Baseline'} tier: ` +
    `${esc(ACTION_WORDS[step.action] ?? step.action)}${step.ambiguous ? ' <span class="hint">(ambiguous: equal priorities disagree; decided by the tie option)</span>' : ''}</h4>` +
    `<ul class="tier-matches">${items.join('')}</ul>`;
}

/** @type {Record<string, string>} */
const FAMILY_NAMES = { ipv4: 'IPv4', ipv6: 'IPv6' };

/**
 * One address family's two directions.
 * @typedef {{ family: Explanation['family'], egress: DirectionExplanation, ingress: DirectionExplanation }} Account
 */

/**
 * The directions of an explanation: one pair, or one per address family when the families both
 * ends share decide differently (then headed "over IPv6", as `netpol check` heads them).
 * @param {Explanation} e
 */
function accountsHtml(e) {
  /** @type {Account[]} */
  const accounts = [{ family: e.family, egress: e.egress, ingress: e.ingress }];
  if (e.other_family) accounts.push(e.other_family);
  return accounts.map(({ family, egress, ingress }) =>
    (e.other_family ? `<h3 class="family">over ${FAMILY_NAMES[family ?? ''] ?? esc(family)}</h3>` : '') +
    `<div class="directions"${family ? ` data-family="${esc(family)}"` : ''}>` +
    `${directionHtml('egress', e.from, egress)}${directionHtml('ingress', e.to, ingress)}</div>`).join('');
}

/**
 * Why no rule of the isolating policies admits: per rule, whether its peer and port match.
 * @param {DirectionExplanation} d
 * @param {string} ruleWord  egress or ingress
 */
function missesHtml(d, ruleWord) {
  const misses = d.not_admitting.map((r) => {
    const what = !r.peer_matched && !r.port_matched ? 'neither peer nor port matches'
      : !r.peer_matched ? 'peer does not match' : 'port does not match';
    return `<li>${policyHtml(r.policy)} <code class="path">${esc(r.path)}</code>: ` +
      `<span class="mark ${r.peer_matched ? 'ok' : 'no'}">peer ${r.peer_matched ? '✓' : '✗'}</span> ` +
      `<span class="mark ${r.port_matched ? 'ok' : 'no'}">port ${r.port_matched ? '✓' : '✗'}</span> <span class="hint">${what}</span></li>`;
  });
  return `<h4>No rule admits</h4>${misses.length ? `<ul class="misses">${misses.join('')}</ul>` : `<p class="hint">none of the isolating policies has ${ruleWord} rules</p>`}`;
}

/**
 * @param {'egress' | 'ingress'} kind
 * @param {string} pod  the end where this direction is decided
 * @param {DirectionExplanation} d
 */
function directionHtml(kind, pod, d) {
  const verdict = d.allowed ? 'allowed' : 'denied';
  const listed = new Set([...d.admitted_by.map((r) => r.policy), ...d.not_admitting.map((r) => r.policy)]);
  let h = `<section class="direction ${d.allowed ? 'allow' : 'deny'}" data-direction="${kind}" data-reason="${esc(d.reason)}">` +
    `<h3>${kind === 'egress' ? 'Egress at the source' : 'Ingress at the destination'} <code>${esc(pod)}</code>: <span class="v">${verdict}</span></h3>` +
    `<p class="reason">${esc(REASONS[d.reason] ?? d.reason)}</p>` +
    tierHtml('admin', d.admin, kind) + tierHtml('baseline', d.baseline, kind);
  if (d.isolating_policies.length) {
    h += `<h4>Isolated by</h4><ul class="isolating">${d.isolating_policies.map((p) =>
      `<li>${policyHtml(p)}${!d.allowed && !listed.has(p) ? ` <span class="hint">no ${kind} rules: admits nothing</span>` : ''}</li>`).join('')}</ul>`;
  }
  if (d.admitted_by.length) {
    h += `<h4>Admitted by</h4><ul class="admitted">${d.admitted_by.map((r) =>
      `<li>${policyHtml(r.policy)} <code class="path">${esc(r.path)}</code></li>`).join('')}</ul>`;
  }
  if (!d.allowed && d.reason === 'no-rule-admits') h += missesHtml(d, kind);
  return `${h}</section>`;
}

/** Forget which pair or pod the pane shows (its data attributes, which tests wait on). */
export function clearExplainData() {
  for (const k of ['src', 'dst', 'allowed', 'pod', 'reach', 'policy']) delete ui.explain.dataset[k];
}

/**
 * Explain `src` → `dst` on the current port and protocol.
 * @param {string} src
 * @param {string} dst
 */
export function explainPair(src, dst) {
  const engine = state.engine;
  if (!engine) return;
  const e = engine.explain(src, dst, state.port, state.protocol);
  clearExplainData();
  ui.explain.dataset.src = src;
  ui.explain.dataset.dst = dst;
  ui.explain.dataset.allowed = String(e.allowed);
  ui.explainPair.textContent = '';
  // The report's own words: its headline ends "(allowed over IPv6 only)" when the families
  // differ, and its second line says why the ends share no family.
  const lines = e.text.split('\n');
  const only = /\(([^()]*)\)$/.exec(lines[0])?.[1];
  const noFamily = e.family === null && lines[1] ? `<p class="families hint">${esc(lines[1].trim())}</p>` : '';
  ui.explain.innerHTML =
    `<p class="verdict ${e.allowed ? 'allow' : 'deny'}"><b>${e.allowed ? 'ALLOWED' : 'DENIED'}</b> ` +
    `<code>${esc(e.from)}</code> → <code>${esc(e.to)}</code> on ${e.port}/${esc(e.protocol)}` +
    `${only ? ` <span class="only">(${esc(only)})</span>` : ''}</p>${noFamily}${accountsHtml(e)}` +
    `<details class="report" open><summary>Report (as <code>netpol check</code> prints it)</summary><pre id="explain-text">${esc(e.text)}</pre></details>`;
}

/** Nothing selected: the pane shows how to select. */
export function clearExplanation() {
  state.selected = null;
  state.reach = null;
  clearExplainData();
  ui.explain.innerHTML = `<p class="placeholder">${PLACEHOLDER}</p>`;
}
