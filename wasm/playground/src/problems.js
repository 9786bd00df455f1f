// @ts-check
// Problems (the input did not compile) and warnings (it did, with objects left out or assumed),
// shown next to the editor with their lines.
/** @import { Problem } from '../pkg/netpol_wasm.js' */
/** @import { ShownProblem } from './state.js' */
import { ui } from './dom.js';
import { clearErrorLines, errorLineList, markErrorLines } from './editor.js';
import { esc, messageOf, plural } from './format.js';
import { locateProblem } from './lines.js';
import { state } from './state.js';
import { showProblemCount } from './status.js';

/**
 * A warning: a string, or (as problems are) an object with its line.
 * @typedef {string | { message: string, line?: number | null, origin?: string | null, object?: string | null, field?: string }} Warning
 */

const LOCATED_NOTE = '<span class="located" title="The loader reports lines for YAML syntax errors only; ' +
  'this one was found by searching the text for the object and field."> (found by searching the text)</span>';

/**
 * The 1-based line of a problem: the engine's when it gives one; otherwise, for a problem in a
 * named object, the line found by searching `text` (lines.js, a fallback until every problem
 * carries its line).
 * @param {{ line?: number | null, origin?: string | null, object?: string | null, field?: string }} problem
 * @param {string} text
 * @returns {{ line: number | null, located: boolean }}
 */
export function lineOf(problem, text) {
  if (typeof problem.line === 'number') return { line: problem.line, located: false };
  const origin = problem.origin ?? null;
  const object = problem.object ?? null;
  if (!object && !/items\[|\(document /.test(origin ?? '')) return { line: null, located: false };
  let line = null;
  try { line = locateProblem(text, { origin, object, field: problem.field ?? '' }); } catch { line = null; } // best effort only
  return { line, located: line !== null };
}

/**
 * The problems a failed `new Engine` reports (`error.problems`), or one made of its message.
 * @param {unknown} err
 * @returns {Problem[]}
 */
function problemsOf(err) {
  const list = typeof err === 'object' && err !== null && 'problems' in err ? err.problems : null;
  if (Array.isArray(list) && list.length) return list;
  return [{ origin: null, object: null, field: '', message: messageOf(err), line: null }];
}

/**
 * A problem's or warning's entry: line link, object, field, first message line, origin, and the
 * rest of the message (a YAML snippet) below.
 * @param {{ origin?: string | null, object?: string | null, field?: string, message: string }} p
 * @param {number | null} line
 * @param {boolean} located
 */
function entryHtml(p, line, located) {
  const [first, ...rest] = String(p.message).split('\n');
  const where = line === null ? ''
    : `<a href="#" class="line-link" data-line="${line}">line ${line}</a>${located ? LOCATED_NOTE : ''}: `;
  const origin = p.origin ? p.origin.replace(/^<editor>\s*/, '') : '';
  return where +
    (p.object ? `<b class="object">${esc(p.object)}</b> ` : '') +
    (p.field ? `<code class="field">${esc(p.field)}</code>: ` : '') +
    `<span class="message">${esc(first)}</span>` +
    (origin ? ` <span class="origin">(${esc(origin)})</span>` : '') +
    (rest.length ? `<pre class="snippet">${esc(rest.join('\n'))}</pre>` : '');
}

/**
 * Show why `text` did not compile: the list under the editor, the gutter marks, the status; the
 * panes keep the last good result, marked stale.
 * @param {unknown} err  what `new Engine` threw
 * @param {string} text
 */
export function showProblems(err, text) {
  /** @type {ShownProblem[]} */
  const problems = problemsOf(err).map((p) => {
    const { line, located } = lineOf(p, text);
    return { ...p, shownLine: line, located };
  });
  state.problems = problems;
  state.stale = true;
  const items = problems.map((p) =>
    `<li class="problem" data-line="${p.shownLine ?? ''}">${entryHtml(p, p.shownLine, p.located)}</li>`);
  ui.errors.innerHTML = `<h3>${plural(problems.length, 'problem')} in the input` +
    (state.engine ? ' <span class="hint">— the table, graph and explanation show the last input that compiled</span>' : '') +
    `</h3><ul>${items.join('')}</ul>`;
  ui.errors.hidden = false;
  ui.editorWrap.classList.add('has-error');
  for (const pane of ui.resultPanes) pane.classList.add('stale');
  markErrorLines(problems.flatMap((p) => (p.shownLine === null ? [] : [p.shownLine])));
  showProblemCount(problems.length, errorLineList(), state.engine !== null);
}

export function clearProblems() {
  state.problems = [];
  ui.errors.hidden = true;
  ui.errors.innerHTML = '';
  ui.editorWrap.classList.remove('has-error');
  document.querySelectorAll('.stale').forEach((el) => el.classList.remove('stale'));
  clearErrorLines();
}

/**
 * The warnings of the input that compiled (strings, or objects with their lines).
 * @param {readonly Warning[]} warnings
 * @param {string} text
 */
export function showWarnings(warnings, text) {
  ui.warningCount.textContent = String(warnings.length);
  ui.warnings.innerHTML = warnings.map((w) => {
    if (typeof w === 'string') return `<li>${esc(w.replace(/^<editor>\s*/, ''))}</li>`;
    const { line, located } = lineOf(w, text);
    return `<li data-line="${line ?? ''}">${entryHtml(w, line, located)}</li>`;
  }).join('');
  ui.warningsBox.hidden = warnings.length === 0;
}
