// @ts-check
// Wiring the page's controls to the modules that act on them.
import { EXAMPLES } from '../examples/examples.js';
import { compileAndRender, compileSoon } from './compile.js';
import { closestTo, data, ui } from './dom.js';
import { goToLine, renderGutter, syncScroll } from './editor.js';
import { isOwnHash, readHash, writeHashSoon } from './hash.js';
import { applyState, loadExample, loadFiles, noteEdited } from './load.js';
import { renderGraph } from './graph.js';
import { rerender } from './results.js';
import { markSelected, select, selectPolicy, selectReach } from './selection.js';
import { asDirection, state } from './state.js';
import { cellTitle } from './table.js';

/** A `line N` link in the problems or warnings selects that line. @param {Event} ev */
function followLineLink(ev) {
  const a = closestTo(ev, '.line-link');
  if (!a) return;
  ev.preventDefault();
  goToLine(Number(a.dataset.line));
}

function wireEditor() {
  for (const ex of EXAMPLES) ui.example.append(new Option(ex.title, ex.id));
  ui.example.addEventListener('change', () => {
    if (ui.example.value) loadExample(ui.example.value);
  });
  ui.editor.addEventListener('input', () => {
    renderGutter();
    noteEdited();
    compileSoon();
    ui.body.dataset.state = 'editing';
  });
  ui.editor.addEventListener('scroll', syncScroll);
  ui.errors.addEventListener('click', followLineLink);
  ui.warnings.addEventListener('click', followLineLink);
}

function wireOptions() {
  ui.port.addEventListener('input', rerender);
  ui.protocol.addEventListener('change', rerender);
  ui.selfTraffic.addEventListener('change', () => compileAndRender());
  ui.lenient.addEventListener('change', () => compileAndRender());
}

function wireResults() {
  ui.matrix.addEventListener('mouseover', cellTitle);
  ui.matrix.addEventListener('focusin', cellTitle);
  ui.matrix.addEventListener('click', (ev) => {
    const b = closestTo(ev, 'button.cell');
    if (b) select(data(b, 'src'), data(b, 'dst'));
    const head = closestTo(ev, 'button.head');
    if (head) selectReach(data(head, 'pod'), asDirection(head.dataset.reach));
  });
  /** @param {Event} ev */
  const edgeSelect = (ev) => {
    const e = closestTo(ev, '.edge[data-src]');
    if (e) select(data(e, 'src'), data(e, 'dst'));
  };
  /** A policy's name in the explanation shows what it selects and admits. @param {Event} ev */
  const policySelect = (ev) => {
    const p = closestTo(ev, '.policy[data-policy]');
    if (p) selectPolicy(data(p, 'policy'));
  };
  ui.explain.addEventListener('click', policySelect);
  ui.explain.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') policySelect(ev); });
  ui.graph.addEventListener('click', edgeSelect);
  ui.graph.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') edgeSelect(ev); });
}

/** File open, and drag and drop onto the editor (elsewhere a drop must not navigate away). */
function wireFiles() {
  ui.file.addEventListener('change', () => { loadFiles(ui.file.files).finally(() => { ui.file.value = ''; }); });
  /** @param {DragEvent} ev */
  const isFiles = (ev) => [...(ev.dataTransfer?.types ?? [])].includes('Files');
  let depth = 0;
  ui.editorWrap.addEventListener('dragenter', (ev) => { if (isFiles(ev)) { depth++; ui.editorWrap.classList.add('dragging'); } });
  ui.editorWrap.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; ui.editorWrap.classList.remove('dragging'); } });
  ui.editorWrap.addEventListener('dragover', (ev) => {
    if (isFiles(ev) && ev.dataTransfer) { ev.preventDefault(); ev.dataTransfer.dropEffect = 'copy'; }
  });
  ui.editorWrap.addEventListener('drop', (ev) => {
    depth = 0;
    ui.editorWrap.classList.remove('dragging');
    if (!ev.dataTransfer?.files?.length) return;
    ev.preventDefault();
    loadFiles(ev.dataTransfer.files);
  });
  window.addEventListener('dragover', (ev) => { if (isFiles(ev)) ev.preventDefault(); });
  window.addEventListener('drop', (ev) => { if (isFiles(ev)) ev.preventDefault(); });
}

/** The copy-link button, and navigation to another state's link. */
function wireLink() {
  ui.copyLink.addEventListener('click', async () => {
    await writeHashSoon();
    const url = location.href;
    ui.link.value = url;
    try {
      await navigator.clipboard.writeText(url);
      ui.copyLink.textContent = 'Copied ✓';
      ui.link.hidden = true;
    } catch {
      // no clipboard permission: show the link to copy by hand
      ui.copyLink.textContent = 'Copy link';
      ui.link.hidden = false;
      ui.link.select();
    }
    setTimeout(() => { ui.copyLink.textContent = 'Copy link'; }, 1500);
  });
  window.addEventListener('hashchange', async () => {
    if (isOwnHash(location.hash) || !location.hash) return;
    const s = await readHash(location.hash).catch(() => null);
    if (s) applyState(s);
  });
}

/** The graph's layout follows the window's width. */
function wireResize() {
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (state.result) { renderGraph(state.result); markSelected(); } }, 150);
  });
}

export function wire() {
  wireEditor();
  wireOptions();
  wireResults();
  wireFiles();
  wireLink();
  wireResize();
}
