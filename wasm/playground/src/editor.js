// @ts-check
// The editor: a textarea with a line-number gutter, error marks in the gutter and a band on the
// first error line. The textarea's metrics are read once; scrolling only writes.
import { ui } from './dom.js';

let gutterLines = 0;
/** @type {Set<number>} the 1-based lines that have a problem */
let errorLines = new Set();
/** @type {{ lh: number, pad: number } | null} the textarea's line height and top padding */
let metrics = null;
/** The gutter's scrollTop as last written (NaN: unknown). */
let gutterTop = 0;

function readMetrics() {
  const cs = getComputedStyle(ui.editor);
  return { lh: parseFloat(cs.lineHeight) || 18, pad: parseFloat(cs.paddingTop) || 0 };
}
const lineHeight = () => (metrics ??= readMetrics()).lh;
const padTop = () => (metrics ??= readMetrics()).pad;

/** The error lines, ascending. */
export const errorLineList = () => [...errorLines].sort((a, b) => a - b);

/**
 * Redraw the line numbers when the line count changed (or `force`).
 * @param {boolean} [force]
 * @param {number | null} [scrollTop]  the textarea's scrollTop when known (saves a layout read)
 */
export function renderGutter(force = false, scrollTop = null) {
  const n = ui.editor.value.split('\n').length;
  if (n === gutterLines && !force) return;
  gutterLines = n;
  let html = '';
  for (let i = 1; i <= n; i++) html += errorLines.has(i) ? `<div class="error">${i}</div>` : `<div>${i}</div>`;
  ui.gutter.innerHTML = `${html}<div class="gutter-tail"></div>`;
  if (gutterTop !== 0) gutterTop = NaN; // the new content may have clamped the gutter's scroll
  placeMarks(scrollTop ?? ui.editor.scrollTop);
}

export const syncScroll = () => placeMarks(ui.editor.scrollTop);

/**
 * Scroll the gutter with the text and put the band on the first error line (writes only).
 * @param {number} top
 */
function placeMarks(top) {
  if (top !== gutterTop) { ui.gutter.scrollTop = top; gutterTop = top; }
  const line = errorLineList()[0];
  if (line === undefined) { ui.band.hidden = true; return; }
  ui.band.hidden = false;
  ui.band.style.top = `${padTop() + (line - 1) * lineHeight() - top}px`;
}

/**
 * Mark `lines` as having problems (replacing the marks).
 * @param {Iterable<number>} lines
 */
export function markErrorLines(lines) {
  errorLines = new Set(lines);
  renderGutter(true);
}

/** Remove every error mark. */
export function clearErrorLines() {
  const hadMarks = errorLines.size > 0;
  errorLines = new Set();
  if (hadMarks) renderGutter(true);
}

/**
 * Select line `line` (1-based) and scroll it into the upper third.
 * @param {number} line
 */
export function goToLine(line) {
  const lines = ui.editor.value.split('\n');
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  const end = start + (lines[line - 1] ?? '').length;
  ui.editor.focus({ preventScroll: true });
  ui.editor.setSelectionRange(start, end);
  ui.editor.scrollTop = Math.max(0, (line - 1) * lineHeight() - ui.editor.clientHeight / 3);
  syncScroll();
}

/** @param {string} text */
export function setEditorText(text) {
  ui.editor.value = text;
  ui.editor.scrollTop = 0;
  renderGutter(true, 0);
}
