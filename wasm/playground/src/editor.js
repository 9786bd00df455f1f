// @ts-check
// The editor: a textarea with a line-number gutter, error marks in the gutter and a band on the
// first error line. The textarea's metrics are read once; scrolling only writes.
import { ui } from './dom.js';

let gutterLines = 0;

/** @type {Set<number>} the 1-based lines that have a problem */
let errorLines = new Set();
/** @type {{ lh: number, pad: number, height: number } | null} the textarea's line height, top padding and height */
let metrics = null;
/** The gutter's scrollTop as last written (NaN: unknown). */
let gutterTop = 0;

function readMetrics() {
  const cs = getComputedStyle(ui.editor);
  return { lh: parseFloat(cs.lineHeight) || 18, pad: parseFloat(cs.paddingTop) || 0, height: ui.editor.clientHeight || 1000 };
}
const lineHeight = () => (metrics ??= readMetrics()).lh;
const padTop = () => (metrics ??= readMetrics()).pad;

/** The error lines, ascending. */
export const errorLineList = () => [...errorLines].sort((a, b) => a - b);

/** Up to this many lines, every line number is drawn; past it, only a window around the view. */
const DRAW_ALL_LINES = 5000;
/** Lines drawn above and below the visible ones in a long text. */
const WINDOW_LINES = 400;
/** The 1-based line numbers drawn now (all of them in a short text). */
let drawn = { first: 1, last: 0 };

/** The count of lines of the editor's text. */
function countLines() {
  const text = ui.editor.value;
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Draw the line numbers `first`..`last`, with spacers standing for the others, so that a text
 * of 300,000 lines costs a few hundred elements.
 * @param {number} first
 * @param {number} last
 */
function drawLines(first, last) {
  const lh = lineHeight();
  let html = first > 1 ? `<div class="gutter-space" style="height:${(first - 1) * lh}px"></div>` : '';
  for (let i = first; i <= last; i++) html += errorLines.has(i) ? `<div class="error">${i}</div>` : `<div>${i}</div>`;
  if (last < gutterLines) html += `<div class="gutter-space" style="height:${(gutterLines - last) * lh}px"></div>`;
  ui.gutter.innerHTML = `${html}<div class="gutter-tail"></div>`;
  drawn = { first, last };
  if (gutterTop !== 0) gutterTop = NaN; // the new content may have clamped the gutter's scroll
}

/**
 * The window of line numbers to draw for the view scrolled to `top`: every line of a short
 * text, else the visible ones and WINDOW_LINES on each side.
 * @param {number} top
 */
function windowAt(top) {
  if (gutterLines <= DRAW_ALL_LINES) return { first: 1, last: gutterLines };
  const lh = lineHeight();
  const firstVisible = Math.floor(Math.max(0, top - padTop()) / lh) + 1;
  const visible = Math.ceil((metrics?.height ?? 1000) / lh);
  return {
    first: Math.max(1, firstVisible - WINDOW_LINES),
    last: Math.min(gutterLines, firstVisible + visible + WINDOW_LINES),
  };
}

/**
 * Redraw the line numbers when the line count changed (or `force`).
 * @param {boolean} [force]
 * @param {number | null} [scrollTop]  the textarea's scrollTop when known (saves a layout read)
 */
export function renderGutter(force = false, scrollTop = null) {
  const n = countLines();
  if (n === gutterLines && !force) return;
  gutterLines = n;
  const top = scrollTop ?? ui.editor.scrollTop;
  const w = windowAt(top);
  drawLines(w.first, w.last);
  placeMarks(top);
}

export const syncScroll = () => placeMarks(ui.editor.scrollTop);

/**
 * Scroll the gutter with the text and put the band on the first error line (writes only).
 * @param {number} top
 */
function placeMarks(top) {
  if (gutterLines > DRAW_ALL_LINES) {
    // A long text: redraw the window when the view nears its edges.
    const w = windowAt(top);
    const margin = WINDOW_LINES / 4;
    if ((w.first < drawn.first + margin && drawn.first > 1) || (w.last > drawn.last - margin && drawn.last < gutterLines)) {
      drawLines(w.first, w.last);
    }
  }
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
