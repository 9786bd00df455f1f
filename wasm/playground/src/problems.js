// @ts-check
// Problems (the input did not compile) and warnings (it did, with objects left out or assumed),
// shown next to the editor with their lines.
/** @import { LoadError, Problem } from '../pkg/netpol_wasm.js' */
import { ui } from './dom.js';
import { clearErrorLines, errorLineList, markErrorLines } from './editor.js';
import { esc, messageOf, plural } from './format.js';
import { state } from './state.js';
import { showProblemCount } from './status.js';

/**
 * The problems a failed `new Engine` reports (a `LoadError`'s `problems`), or one made of its
 * message (bad options, a panic).
 * @param {unknown} err
 * @returns {Problem[]}
 */
function problemsOf(err) {
  const list = /** @type {Partial<LoadError> | null | undefined} */ (err)?.problems;
  return list?.length ? list : [{ origin: null, object: null, field: '', message: messageOf(err), line: null }];
}

/**
 * A problem's or warning's entry: line link (the engine's line, when it has one), object, field,
 * first message line, origin, and the rest of the message (a YAML snippet) below.
 * @param {Problem} p
 */
function entryHtml(p) {
  const [first, ...rest] = p.message.split('\n');
  const where = p.line === null ? '' : `<a href="#" class="line-link" data-line="${p.line}">line ${p.line}</a>: `;
  const origin = p.origin ? p.origin.replace(/^<editor>\s*/, '') : '';
  return where +
    (p.object ? `<b class="object">${esc(p.object)}</b> ` : '') +
    (p.field ? `<code class="field">${esc(p.field)}</code>: ` : '') +
    `<span class="message">${esc(first)}</span>` +
    (origin ? ` <span class="origin">(${esc(origin)})</span>` : '') +
    (rest.length ? `<pre class="snippet">${esc(rest.join('\n'))}</pre>` : '');
}

/**
 * Show why the text did not compile: the list under the editor, the gutter marks, the status; the
 * panes keep the last good result, marked stale.
 * @param {unknown} err  what `new Engine` threw
 */
export function showProblems(err) {
  const problems = problemsOf(err);
  state.problems = problems;
  state.stale = true;
  const items = problems.map((p) => `<li class="problem" data-line="${p.line ?? ''}">${entryHtml(p)}</li>`);
  ui.errors.innerHTML = `<h3>${plural(problems.length, 'problem')} in the input` +
    (state.engine ? ' <span class="hint">— the table, graph and explanation show the last input that compiled</span>' : '') +
    `</h3><ul>${items.join('')}</ul>`;
  ui.errors.hidden = false;
  ui.editorWrap.classList.add('has-error');
  for (const pane of ui.resultPanes) pane.classList.add('stale');
  markErrorLines(problems.flatMap((p) => (p.line === null ? [] : [p.line])));
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
 * The warnings of the input that compiled (`engine.warningProblems`), with their lines.
 * @param {readonly Problem[]} warnings
 */
export function showWarnings(warnings) {
  ui.warningCount.textContent = String(warnings.length);
  ui.warnings.innerHTML = warnings.map((w) => `<li data-line="${w.line ?? ''}">${entryHtml(w)}</li>`).join('');
  ui.warningsBox.hidden = warnings.length === 0;
}
