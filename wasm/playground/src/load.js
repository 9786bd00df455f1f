// @ts-check
// Loading a cluster into the editor: a bundled example, files (opened or dropped), or the state
// a link holds.
/** @import { LinkState } from './hash.js' */
import { EXAMPLES } from '../examples/examples.js';
import { compileAndRender } from './compile.js';
import { ui } from './dom.js';
import { setEditorText } from './editor.js';
import { state } from './state.js';

/**
 * Restore the state of a link and compile it.
 * @param {LinkState} s
 * @param {number} [t0]
 */
export function applyState(s, t0) {
  ui.port.value = s.port && /^\d+$/.test(s.port) ? s.port : '8080';
  ui.protocol.value = s.protocol !== null && ['TCP', 'UDP', 'SCTP'].includes(s.protocol) ? s.protocol : 'TCP';
  ui.selfTraffic.value = s.selfTraffic === 'evaluate' ? 'evaluate' : 'allow';
  ui.lenient.checked = !!s.lenient;
  state.exampleId = s.exampleId;
  ui.example.value = s.exampleId;
  ui.sourceName.textContent = s.exampleId ? '' : '(from the link)';
  state.selected = s.selected;
  state.reach = s.selected ? null : s.reach;
  setEditorText(s.text);
  return compileAndRender(t0);
}

/**
 * Load the bundled example `id` with its port and protocol.
 * @param {string} id
 */
export function loadExample(id) {
  const t0 = performance.now();
  const ex = EXAMPLES.find((e) => e.id === id);
  if (!ex) return null;
  state.exampleId = id;
  ui.example.value = id;
  ui.sourceName.textContent = '';
  ui.port.value = String(ex.port);
  ui.protocol.value = ex.protocol;
  state.selected = null;
  state.reach = null;
  setEditorText(ex.text);
  return compileAndRender(t0);
}

/**
 * Load `files` joined as one YAML stream (`---` between them).
 * @param {FileList | null} files
 */
export async function loadFiles(files) {
  const list = files ? [...files] : [];
  if (!list.length) return;
  const t0 = performance.now();
  const texts = await Promise.all(list.map((f) => f.text()));
  const joined = texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('---\n');
  state.exampleId = '';
  ui.example.value = '';
  ui.sourceName.textContent = list.map((f) => f.name).join(', ');
  state.selected = null;
  state.reach = null;
  setEditorText(joined);
  compileAndRender(t0);
}

/** After an edit: the text is no longer the example it was. */
export function noteEdited() {
  const ex = EXAMPLES.find((e) => e.id === state.exampleId);
  if (ex && ex.text !== ui.editor.value) { state.exampleId = ''; ui.example.value = ''; ui.sourceName.textContent = '(edited)'; }
}
