// @ts-check
// The graph: namespaces as boxes in rows, pods as circles in a grid inside, allowed connections
// as arrows (self traffic not drawn). A hand-written SVG layout, no library.
/** @import { MatrixResult } from '../pkg/netpol_wasm.js' */
/** @import { NamespaceGroup } from './format.js' */
import { ui } from './dom.js';
import { abbrev, groupsOf, splitPod } from './format.js';
import { state } from './state.js';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_GRAPH_PODS = 150;
// cell width and height of a pod, box padding, box heading, gap between boxes, node radius
const CW = 118; const CH = 76; const PAD = 12; const HEAD = 34; const GAP = 16; const R = 11;
const MARGIN = 6;

/** @typedef {{ x: number, y: number }} Point */
/** @typedef {Point & { hue: number }} NodePos  a pod's centre and its namespace's colour */
/** @typedef {NamespaceGroup & { cols: number, rows: number, w: number, h: number, x: number, y: number }} Box */

/** @type {{ pos: NodePos[], r: number } | null} the last drawn layout (for the selected pair) */
let graphLayout = null;

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {string} [text]
 */
function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * A curved arrow from circle `a` to circle `b` (radius `r`), bent to one side so that a → b and
 * b → a do not overlap.
 * @param {Point} a
 * @param {Point} b
 * @param {number} r
 * @param {number} [bend]
 */
function edgePath(a, b, r, bend = 0.22) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const d = Math.hypot(dx, dy) || 1;
  const off = Math.min(48, d * bend);
  const cx = (a.x + b.x) / 2 - (dy / d) * off;
  const cy = (a.y + b.y) / 2 + (dx / d) * off;
  /** @param {Point} p @param {Point} q @param {number} by */
  const towards = (p, q, by) => {
    const l = Math.hypot(q.x - p.x, q.y - p.y) || 1;
    return { x: p.x + ((q.x - p.x) / l) * by, y: p.y + ((q.y - p.y) / l) * by };
  };
  const s = towards(a, { x: cx, y: cy }, r + 1);
  const e = towards(b, { x: cx, y: cy }, r + 4);
  return `M${s.x.toFixed(1)},${s.y.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${e.x.toFixed(1)},${e.y.toFixed(1)}`;
}

/** The graph pane's inner width, from the viewport and style.css's grid (no layout read). */
function graphWidth() {
  const vw = window.innerWidth - 16; // minus a vertical scrollbar
  const inner = vw - 28; // main's padding
  const results = vw <= 900 ? inner : inner - 14 - Math.max(360, 0.38 * (inner - 14));
  return Math.floor(results - 26 - 4); // pane padding and border, some slack
}

/**
 * Size the namespace boxes and place them left to right, wrapping into rows.
 * @param {NamespaceGroup[]} groups
 * @param {number} maxWidth
 */
function placeBoxes(groups, maxWidth) {
  const boxes = groups.map((grp) => {
    const cols = Math.max(1, Math.min(grp.count, Math.floor((maxWidth - 2 * PAD) / CW), Math.ceil(Math.sqrt(grp.count * 1.5))));
    const rows = Math.ceil(grp.count / cols);
    return { ...grp, cols, rows, w: cols * CW + 2 * PAD, h: HEAD + (rows - 1) * CH + 60, x: 0, y: 0 };
  });
  let x = 0; let y = 0; let rowH = 0; let width = 0;
  for (const box of boxes) {
    if (x > 0 && x + box.w > maxWidth) { x = 0; y += rowH + GAP; rowH = 0; }
    box.x = x; box.y = y;
    x += box.w + GAP;
    rowH = Math.max(rowH, box.h);
    width = Math.max(width, box.x + box.w);
  }
  return { boxes, width, height: y + rowH };
}

/** The arrow heads: allowed, selected, denied. */
function arrowDefs() {
  const defs = svg('defs');
  for (const [id, cls] of [['arrow', 'arrow'], ['arrow-sel', 'arrow sel'], ['arrow-deny', 'arrow deny']]) {
    const mk = svg('marker', { id, viewBox: '0 0 10 10', refX: 8, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' });
    mk.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }));
    defs.append(mk);
  }
  return defs;
}

/**
 * The namespace boxes, and the position of every pod in them.
 * @param {Box[]} boxes
 * @returns {{ g: SVGElement, pos: NodePos[] }}
 */
function drawBoxes(boxes) {
  /** @type {NodePos[]} */
  const pos = [];
  const g = svg('g', { class: 'boxes' });
  boxes.forEach((box, gi) => {
    const el = svg('g', { class: `ns hue${gi % 6}`, 'data-ns': box.ns });
    el.append(svg('rect', { x: box.x, y: box.y, width: box.w, height: box.h, rx: 8 }));
    el.append(svg('text', { x: box.x + 10, y: box.y + 17, class: 'ns-label' }, box.ns));
    g.append(el);
    for (let k = 0; k < box.count; k++) {
      const c = k % box.cols; const r = Math.floor(k / box.cols);
      pos[box.start + k] = { x: box.x + PAD + c * CW + CW / 2, y: box.y + HEAD + r * CH + 22, hue: gi % 6 };
    }
  });
  return { g, pos };
}

/**
 * An arrow for every allowed pair of distinct pods.
 * @param {MatrixResult} result
 * @param {NodePos[]} pos
 */
function drawEdges({ pods, allowed }, pos) {
  const g = svg('g', { class: 'edges' });
  let count = 0;
  for (let i = 0; i < pods.length; i++) {
    for (let j = 0; j < pods.length; j++) {
      if (i === j || !allowed[i][j]) continue;
      count++;
      const d = edgePath(pos[i], pos[j], R);
      const e = svg('g', { class: 'edge', 'data-src': pods[i], 'data-dst': pods[j], tabindex: '0' });
      e.append(svg('title', {}, `${pods[i]} → ${pods[j]}: allowed`));
      e.append(svg('path', { d, class: 'hit' }));
      e.append(svg('path', { d, class: 'line', 'marker-end': 'url(#arrow)' }));
      g.append(e);
    }
  }
  return { g, count };
}

/**
 * @param {readonly string[]} pods
 * @param {NodePos[]} pos
 */
function drawNodes(pods, pos) {
  const g = svg('g', { class: 'nodes' });
  pods.forEach((pod, i) => {
    const [, name] = splitPod(pod);
    const n = svg('g', { class: `node hue${pos[i].hue}`, 'data-pod': pod });
    n.append(svg('title', {}, pod));
    n.append(svg('circle', { cx: pos[i].x, cy: pos[i].y, r: R }));
    n.append(svg('text', { x: pos[i].x, y: pos[i].y + R + 14, 'text-anchor': 'middle' }, abbrev(name, 16)));
    g.append(n);
  });
  return g;
}

/** @param {MatrixResult} result */
export function renderGraph(result) {
  const { pods } = result;
  const g = ui.graph;
  g.replaceChildren();
  ui.graphPort.textContent = `${result.port}/${result.protocol}`;
  graphLayout = null;
  if (pods.length === 0 || pods.length > MAX_GRAPH_PODS) {
    g.setAttribute('width', '600');
    g.setAttribute('height', '40');
    g.append(svg('text', { x: 10, y: 24, class: 'placeholder' },
      pods.length === 0 ? 'No pods.' : `${pods.length} pods: the graph is drawn for at most ${MAX_GRAPH_PODS}.`));
    return;
  }
  const { boxes, width, height } = placeBoxes(groupsOf(pods), Math.max(560, graphWidth()));
  const M = MARGIN;
  g.setAttribute('width', String(width + 2 * M));
  g.setAttribute('height', String(height + 2 * M));
  g.setAttribute('viewBox', `${-M} ${-M} ${width + 2 * M} ${height + 2 * M}`);
  g.append(arrowDefs());
  const { g: boxesG, pos } = drawBoxes(boxes);
  g.append(boxesG);
  const edges = drawEdges(result, pos);
  g.append(edges.g);
  g.append(drawNodes(pods, pos));
  g.dataset.edges = String(edges.count);
  g.dataset.nodes = String(pods.length);
  graphLayout = { pos, r: R };
}

/**
 * Mark the pair of pods `i` → `j`: its arrow when allowed, a dashed red one when denied.
 * @param {number} i
 * @param {number} j
 */
export function drawSelectedInGraph(i, j) {
  if (!graphLayout || !state.result) return;
  const { pods, allowed } = state.result;
  ui.graph.querySelectorAll('.node').forEach((n) => {
    const pod = n.getAttribute('data-pod');
    if (pod === pods[i] || pod === pods[j]) n.classList.add('selected');
  });
  if (i === j) return;
  if (allowed[i][j]) {
    const e = [...ui.graph.querySelectorAll('.edge')].find((x) => x.getAttribute('data-src') === pods[i] && x.getAttribute('data-dst') === pods[j]);
    if (e) {
      e.classList.add('selected');
      e.querySelector('.line')?.setAttribute('marker-end', 'url(#arrow-sel)');
      e.parentNode?.append(e); // on top
    }
    return;
  }
  const { pos, r } = graphLayout;
  const d = edgePath(pos[i], pos[j], r);
  const e = svg('g', { id: 'selected-pair', class: 'edge denied' });
  e.append(svg('title', {}, `${pods[i]} → ${pods[j]}: denied`));
  e.append(svg('path', { d, class: 'line', 'marker-end': 'url(#arrow-deny)' }));
  ui.graph.querySelector('.edges')?.append(e);
}
