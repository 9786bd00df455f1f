// @ts-check
// The truth table: rows are sources, columns destinations; a cell is a button that explains
// the pair, a pod's header a button for who can reach it (column) or what it can reach (row).
/** @import { MatrixResult } from '../pkg/netpol_wasm.js' */
/** @import { NamespaceGroup } from './format.js' */
import { closestTo, ui } from './dom.js';
import { abbrev, esc, groupsOf, splitPod } from './format.js';
import { markSelected } from './selection.js';

export const MAX_TABLE_PODS = 150; // 150² buttons is about the most a page stays quick with

/**
 * What the header and row builders share.
 * @typedef {object} TableLayout
 * @property {readonly string[]} pods
 * @property {string[]} escPods  the pod names, HTML-escaped
 * @property {string[]} short    the pod names without namespace, abbreviated
 * @property {NamespaceGroup[]} groups
 * @property {Set<number>} nsStart  the indexes where a namespace starts
 */

/** @param {TableLayout} t */
function headHtml(t) {
  let h = '<thead><tr><th class="corner" colspan="2">from ↓ to →</th>';
  t.pods.forEach((p, j) => {
    const ns = abbrev(splitPod(p)[0], 14);
    h += `<th class="col${t.nsStart.has(j) ? ' ns-start' : ''}" scope="col" data-pod="${t.escPods[j]}">` +
      `<button type="button" class="head" data-reach="to" data-pod="${t.escPods[j]}" title="${t.escPods[j]}: who can reach it?">` +
      `<span><span class="ns">${esc(ns)}/</span>${esc(t.short[j])}</span></button></th>`;
  });
  return `${h}</tr></thead>`;
}

/**
 * Row `i`: the namespace cell (on its first row), the pod's header, one button per column.
 * @param {TableLayout} t
 * @param {readonly boolean[]} allowed  row i of the matrix
 * @param {number} i
 */
function rowHtml(t, allowed, i) {
  const { pods, escPods, nsStart } = t;
  const g = t.groups.find((x) => x.start === i);
  let h = `<tr class="${nsStart.has(i) ? 'ns-start' : ''}" data-src="${esc(pods[i])}">`;
  if (g) h += `<th class="ns-row" rowspan="${g.count}" title="${esc(g.ns)}"><span>${esc(g.ns)}</span></th>`;
  h += `<th class="row" scope="row"><button type="button" class="head" data-reach="from" data-pod="${escPods[i]}" ` +
    `title="${escPods[i]}: what can it reach?">${esc(t.short[i])}</button></th>`;
  for (let j = 0; j < pods.length; j++) {
    const ok = allowed[j];
    // lean markup (10,000 cells at 100 pods): the tooltip is added on hover/focus (cellTitle)
    h += `<td${nsStart.has(j) ? ' class="ns-start"' : ''}><button type="button" id="cell-${i}-${j}" ` +
      `class="cell ${ok ? 'allow' : 'deny'}${i === j ? ' self' : ''}" data-src="${escPods[i]}" data-dst="${escPods[j]}" ` +
      `data-allowed="${ok}">${ok ? '✓' : '·'}</button></td>`;
  }
  return `${h}</tr>`;
}

/** @param {string} html */
function placeholder(html) {
  ui.matrix.innerHTML = `<tbody><tr><td class="placeholder">${html}</td></tr></tbody>`;
  ui.matrixSummary.textContent = '';
}

/** @param {MatrixResult} result */
export function renderTable(result) {
  const { pods, allowed } = result;
  const n = pods.length;
  ui.matrixWrap.classList.toggle('empty', n === 0);
  if (n === 0) {
    placeholder('No pods in the input: the table has nothing to show.');
    return;
  }
  if (n > MAX_TABLE_PODS) {
    placeholder(`${n} pods: the table is drawn for at most ${MAX_TABLE_PODS}. ` +
      'Use <code>netpol matrix</code> or <code>netpol connectivity</code> for clusters this size.');
    return;
  }
  const groups = groupsOf(pods);
  /** @type {TableLayout} */
  const t = {
    pods, groups, escPods: pods.map(esc), short: pods.map((p) => abbrev(splitPod(p)[1])),
    nsStart: new Set(groups.map((g) => g.start)),
  };
  let h = `${headHtml(t)}<tbody>`;
  for (let i = 0; i < n; i++) h += rowHtml(t, allowed[i], i);
  ui.matrix.innerHTML = `${h}</tbody>`;
  const count = allowed.reduce((sum, row) => sum + row.filter(Boolean).length, 0);
  ui.matrixSummary.textContent = `${count} of ${n * n} pod pairs allowed on ${result.port}/${result.protocol}`;
  markSelected();
}

/**
 * On hover or focus, a cell gets its tooltip and label (`a → b: allowed`).
 * @param {Event} ev
 */
export function cellTitle(ev) {
  const b = closestTo(ev, 'button.cell');
  if (!(b instanceof HTMLElement) || b.title) return;
  const self = b.dataset.src === b.dataset.dst;
  b.title = `${b.dataset.src} → ${b.dataset.dst}: ${b.dataset.allowed === 'true' ? 'allowed' : 'denied'}${self ? ' (self)' : ''}`;
  b.setAttribute('aria-label', b.title);
}
