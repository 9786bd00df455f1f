// netpol playground: plain ES module, no build step, no network beyond this directory.
// The engine is the wasm package in ./pkg (built by ../shared/recipes/wasm-build.sh).
import init, { Engine } from './pkg/netpol_wasm.js';
import { EXAMPLES } from './examples/examples.js';

const $ = (id) => document.getElementById(id);
const ui = {
  body: document.body, status: $('status'), example: $('example'), file: $('file'),
  copyLink: $('copy-link'), link: $('link'), sourceName: $('source-name'),
  editorWrap: $('editor-wrap'), gutter: $('gutter'), editor: $('editor'), band: $('line-band'),
  errors: $('errors'), warningsBox: $('warnings-box'), warnings: $('warnings'), warningCount: $('warning-count'),
  selfTraffic: $('self-traffic'), lenient: $('lenient'),
  port: $('port'), protocol: $('protocol'), portError: $('port-error'),
  matrix: $('matrix'), matrixSummary: $('matrix-summary'), matrixWrap: $('matrix-wrap'),
  explain: $('explain'), explainPair: $('explain-pair'),
  graph: $('graph'), graphWrap: $('graph-wrap'), graphPort: $('graph-port'),
};

const EDIT_DEBOUNCE_MS = 300;
const PLACEHOLDER = 'Click a cell of the truth table or an edge of the graph for one connection; ' +
  'a pod\'s column header for who can reach it, its row header for what it can reach.';
const MAX_TABLE_PODS = 150; // 150² buttons is about the most a page stays quick with
const MAX_GRAPH_PODS = 150;
const SVG = 'http://www.w3.org/2000/svg';

const state = {
  engine: null,        // the last Engine that compiled (kept while the input has errors)
  stale: false,        // the input has errors: the panes show the last good result
  problems: [],
  exampleId: '',
  port: 8080,
  protocol: 'TCP',
  selected: null,      // { src, dst }
  reach: null,         // { pod, direction: 'to' | 'from' } (a header was clicked; not with selected)
  result: null,        // the last MatrixResult
  gen: 0,              // bumped after every compile attempt (tests wait on it)
  timings: {},
  lineOfProblem: [],   // [{ line, located }] per problem
};
// For tests and the curious: the state, and the timings of the last load/compile/render.
window.netpolPlayground = { state, examples: EXAMPLES };

// ---------------------------------------------------------------------------------------------
// helpers

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const ms = (x) => (x < 10 ? x.toFixed(1) : x.toFixed(0));
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `frontend-6c8f9b7d4-2lmnp` → `frontend-…2lmnp` (Deployment pods), long names cut in the middle. */
function abbrev(name, max = 18) {
  const m = /^(.+)-[a-z0-9]{6,10}-([a-z0-9]{5})$/.exec(name);
  if (m) return m[1].length + 7 <= max ? `${m[1]}-…${m[2]}` : `${m[1].slice(0, max - 6)}…${m[2]}`;
  return name.length <= max ? name : `${name.slice(0, max - 6)}…${name.slice(-5)}`;
}
const splitPod = (pod) => { const i = pod.indexOf('/'); return [pod.slice(0, i), pod.slice(i + 1)]; };

function groupsOf(pods) {
  const groups = [];
  pods.forEach((pod, i) => {
    const [ns] = splitPod(pod);
    const last = groups[groups.length - 1];
    if (last && last.ns === ns) last.count++;
    else groups.push({ ns, start: i, count: 1 });
  });
  return groups;
}

function setStatus(html, kind = '') {
  ui.status.innerHTML = html;
  ui.status.className = kind;
}

// ---------------------------------------------------------------------------------------------
// editor: a textarea with a line-number gutter and an error band

let gutterLines = 0;
let errorLines = new Set();
let metrics = null; // the textarea's line height and top padding, read once
const readMetrics = () => {
  const cs = getComputedStyle(ui.editor);
  return { lh: parseFloat(cs.lineHeight) || 18, pad: parseFloat(cs.paddingTop) || 0 };
};
const lineHeight = () => (metrics ??= readMetrics()).lh;
const padTop = () => (metrics ??= readMetrics()).pad;

function renderGutter(force = false, scrollTop = null) {
  const n = ui.editor.value.split('\n').length;
  if (n === gutterLines && !force) return;
  gutterLines = n;
  let html = '';
  for (let i = 1; i <= n; i++) html += errorLines.has(i) ? `<div class="error">${i}</div>` : `<div>${i}</div>`;
  ui.gutter.innerHTML = `${html}<div class="gutter-tail"></div>`;
  if (gutterTop !== 0) gutterTop = NaN; // the new content may have clamped the gutter's scroll
  placeMarks(scrollTop ?? ui.editor.scrollTop);
}

const syncScroll = () => placeMarks(ui.editor.scrollTop);

let gutterTop = 0;
/** Scroll the gutter with the text and put the band on the first error line (writes only). */
function placeMarks(top) {
  if (top !== gutterTop) { ui.gutter.scrollTop = top; gutterTop = top; }
  const line = [...errorLines].sort((a, b) => a - b)[0];
  if (line === undefined) { ui.band.hidden = true; return; }
  ui.band.hidden = false;
  ui.band.style.top = `${padTop() + (line - 1) * lineHeight() - top}px`;
}

function goToLine(line) {
  const lines = ui.editor.value.split('\n');
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  const end = start + (lines[line - 1] ?? '').length;
  ui.editor.focus({ preventScroll: true });
  ui.editor.setSelectionRange(start, end);
  ui.editor.scrollTop = Math.max(0, (line - 1) * lineHeight() - ui.editor.clientHeight / 3);
  syncScroll();
}

function setEditorText(text) {
  ui.editor.value = text;
  ui.editor.scrollTop = 0;
  renderGutter(true, 0);
}

// ---------------------------------------------------------------------------------------------
// finding the line of a validation problem (the loader gives lines only for YAML syntax errors)

/** Per line: indentation, and the block-mapping key on it (after any `- `), if any. */
function scanLines(text) {
  return text.split('\n').map((raw) => {
    const line = raw.replace(/\r$/, '');
    const m = /^( *)((?:-(?: +|$))*)(.*)$/.exec(line);
    const indent = m[1].length;
    const rest = m[3];
    const dash = m[2].length > 0;
    const blank = !dash && (rest.trim() === '' || rest.trimStart().startsWith('#'));
    const info = { raw: line, indent, dash, blank, key: null, keyCol: null, docMark: false };
    const k = /^(?:"([^"]*)"|'([^']*)'|([^\s#"'{[\-][^:#]*?|-[^\s:#][^:#]*?))\s*:(?:\s|$)/.exec(rest);
    if (k) { info.key = k[1] ?? k[2] ?? k[3]; info.keyCol = indent + m[2].length; }
    if (/^---(\s|$)/.test(line) || /^\.\.\.\s*$/.test(line)) { info.docMark = true; info.blank = false; info.key = null; }
    return info;
  });
}

/** `spec.ingress[0].from[0].ipBlock.except[0]`, `metadata.labels["a/b"]` → [{key, index}] */
function parsePath(field) {
  const segs = [];
  const re = /\.?([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  let m;
  while ((m = re.exec(field))) {
    if (m[1] !== undefined) segs.push({ key: m[1] });
    else if (m[2] !== undefined && segs.length) segs[segs.length - 1].index = Number(m[2]);
    else if (m[3] !== undefined) segs.push({ key: m[3].replace(/\\(.)/g, '$1') });
  }
  return segs;
}

/** Within region {start, end, col}, the value region of `seg` ({key, index?}), or null. */
function descend(lines, region, seg) {
  let col = region.col;
  for (let i = region.start; i < region.end; i++) {
    const l = lines[i];
    if (l.key === null) continue;
    if (col === null) col = l.keyCol;
    if (l.keyCol !== col || l.key !== seg.key) continue;
    let end = i + 1;
    for (; end < region.end; end++) {
      const c = lines[end];
      if (c.blank) continue;
      if (c.docMark || c.indent < col || (c.indent === col && !c.dash)) break;
    }
    if (seg.index === undefined) return { start: i + 1, end, col: null, line: i };
    // the index-th item of a block sequence
    const items = [];
    let dashCol = null;
    for (let j = i + 1; j < end; j++) {
      const c = lines[j];
      if (!c.dash) continue;
      if (dashCol === null) dashCol = c.indent;
      if (c.indent === dashCol) items.push(j);
    }
    if (seg.index >= items.length) return { start: i, end: i + 1, col: null, line: i, partial: true };
    const s = items[seg.index];
    const e = seg.index + 1 < items.length ? items[seg.index + 1] : end;
    return { start: s, end: e, col: lines[s].keyCol, line: s };
  }
  // a flow mapping (`metadata: {name: x}`): the first line in the region that mentions the key
  const re = new RegExp(`(^|[\\s{,])["']?${seg.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`);
  for (let i = region.start; i < region.end; i++) {
    if (re.test(lines[i].raw)) return { start: i, end: i + 1, col: null, line: i, partial: true };
  }
  return null;
}

/** Follow `segs` from `region`; returns the deepest line reached (0-based) and whether all matched. */
function follow(lines, region, segs) {
  let r = region;
  let line = region.line ?? region.start;
  for (const seg of segs) {
    const next = descend(lines, r, seg);
    if (!next) return { line, complete: false };
    line = next.line;
    if (next.partial) return { line, complete: false };
    r = next;
  }
  return { line, complete: true };
}

function documentRegions(lines) {
  const docs = [];
  let start = 0;
  let explicit = false;
  const push = (end) => {
    const hasContent = lines.slice(start, end).some((l) => !l.blank && !l.docMark);
    if (hasContent || explicit) docs.push({ start, end, col: null });
  };
  lines.forEach((l, i) => {
    if (!l.docMark) return;
    push(i);
    explicit = l.raw.startsWith('---');
    start = i + 1;
  });
  push(lines.length);
  return docs;
}

/** The object's region from the problem's origin: `<editor> (document 2) items[3]`. */
function regionFromOrigin(lines, origin) {
  if (!origin) return null;
  const docs = documentRegions(lines);
  const d = /\(document (\d+)\)/.exec(origin);
  let region = docs[d ? Number(d[1]) - 1 : 0];
  if (!region) return null;
  const items = origin.replace(/^.*?(\)|<editor>)/, '').trim();
  if (items) {
    for (const seg of parsePath(items)) {
      const next = descend(lines, region, seg);
      if (!next || next.partial) return null;
      region = next;
    }
  }
  return region;
}

/** The region of the object `Kind ns/name` found by searching for `name: <name>`. */
function regionFromName(lines, object) {
  const m = /^(\S+)\s+(?:([^/\s]+)\/)?(\S+)$/.exec(object || '');
  if (!m) return null;
  const [, kind, ns, name] = m;
  const q = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const nameRe = new RegExp(`(^|[\\s{,])name\\s*:\\s*["']?${q}["']?\\s*($|[,}#])`);
  const candidates = [];
  lines.forEach((l, i) => {
    if (!nameRe.test(l.raw)) return;
    // the object's keys are at the column of `metadata:` (block style) or of this line's key (flow)
    let meta = i;
    if (l.key === 'name') {
      while (meta >= 0 && !(lines[meta].key === 'metadata' && lines[meta].keyCol < l.keyCol)) meta--;
      if (meta < 0) return;
    } else if (l.key !== 'metadata') return;
    const col = lines[meta].keyCol;
    let start = meta;
    for (let j = meta - 1; j >= 0; j--) {
      const c = lines[j];
      if (c.blank) continue;
      if (c.docMark || c.indent < col && !(c.dash && c.keyCol === col)) break;
      start = j;
      if (c.dash && c.keyCol === col) break;
    }
    let end = meta + 1;
    for (; end < lines.length; end++) {
      const c = lines[end];
      if (c.blank) continue;
      if (c.docMark || c.indent < col) break;
    }
    const region = { start, end, col, line: i };
    const body = lines.slice(start, end);
    const kindOk = body.some((c) => c.keyCol === col && c.key === 'kind' && new RegExp(`:\\s*["']?${kind}["']?\\s*(#.*)?$`).test(c.raw));
    const nsOk = !ns || body.some((c) => new RegExp(`(^|[\\s{,])namespace\\s*:\\s*["']?${ns.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*($|[,}#])`).test(c.raw));
    candidates.push({ region, score: (kindOk ? 2 : 0) + (nsOk ? 1 : 0) });
  });
  candidates.sort((a, b) => b.score - a.score);
  return candidates[0]?.region ?? null;
}

/** Best effort: the 1-based line of a problem the loader gave no line for. */
function locateProblem(text, problem) {
  const lines = scanLines(text);
  let region = regionFromOrigin(lines, problem.origin);
  if (region && problem.object) {
    // make sure the origin led to the right object (its name must be in the region)
    const name = problem.object.split(/\s+/).pop().split('/').pop();
    if (!lines.slice(region.start, region.end).some((l) => l.raw.includes(name))) region = null;
  }
  region = region ?? regionFromName(lines, problem.object);
  if (!region) return null;
  const { line } = follow(lines, region, parsePath(problem.field || ''));
  return line + 1;
}

// ---------------------------------------------------------------------------------------------
// compiling, problems, warnings

let editTimer = 0;

function engineOptions() {
  return { selfTraffic: ui.selfTraffic.value, strict: !ui.lenient.checked };
}

/** Compile the editor text and render everything; returns the timings. */
function compileAndRender(t0 = performance.now()) {
  clearTimeout(editTimer);
  const text = ui.editor.value;
  let engine;
  const tCompile = performance.now();
  const editor = tCompile - t0; // putting the text into the editor (for example loads and files)
  try {
    engine = new Engine(text, engineOptions());
  } catch (err) {
    state.gen++;
    showProblems(err, text);
    ui.body.dataset.gen = String(state.gen);
    ui.body.dataset.state = 'error';
    writeHashSoon();
    return null;
  }
  const tCompiled = performance.now();
  state.engine?.free();
  state.engine = engine;
  state.stale = false;
  clearProblems();
  showWarnings(engine.warnings);
  const r = renderResults();
  const tEnd = performance.now();
  state.gen++;
  state.timings = {
    total: tEnd - t0, // from the start of the load (example picked, file read, edit applied)
    editor,
    compile: tCompiled - tCompile,
    matrix: r.matrix, table: r.table, graph: r.graph, explain: r.explain,
  };
  const pods = engine.pods.length;
  const policies = engine.policies.length;
  delete ui.status.dataset.portInvalid;
  if (!r.rendered) {
    ui.status.dataset.portInvalid = '1';
    setStatus(`${plural(pods, 'pod')}, ${plural(policies, 'policy', 'policies')} · compiled in ${ms(state.timings.compile)} ms; ` +
      '<span class="bad">the port is not valid</span>: nothing rendered', 'error');
  } else setStatus(`${plural(pods, 'pod')}, ${plural(policies, 'policy', 'policies')} · compiled and rendered in ` +
    `<b id="timing" data-ms="${state.timings.total.toFixed(2)}">${ms(state.timings.total)} ms</b>` +
    `<span class="hint"> (compile ${ms(state.timings.compile)}, matrix ${ms(r.matrix)}, table ${ms(r.table)}, graph ${ms(r.graph)} ms)</span>`, 'ok');
  ui.body.dataset.gen = String(state.gen);
  ui.body.dataset.state = 'ready';
  // when the browser has painted it: recorded for the report (not part of the number shown)
  const gen = state.gen;
  requestAnimationFrame(() => setTimeout(() => {
    if (state.gen === gen) state.timings.painted = performance.now() - t0;
  }, 0));
  writeHashSoon();
  return state.timings;
}

function clearProblems() {
  state.problems = [];
  const hadMarks = errorLines.size > 0;
  errorLines = new Set();
  ui.errors.hidden = true;
  ui.errors.innerHTML = '';
  ui.editorWrap.classList.remove('has-error');
  document.querySelectorAll('.stale').forEach((el) => el.classList.remove('stale'));
  if (hadMarks) renderGutter(true);
}

function showProblems(err, text) {
  const problems = Array.isArray(err?.problems) && err.problems.length
    ? err.problems
    : [{ origin: null, object: null, field: '', message: String(err?.message ?? err), line: null }];
  state.problems = problems;
  state.stale = true;
  errorLines = new Set();
  const items = problems.map((p) => {
    let line = p.line ?? null;
    let located = false;
    if (line === null && (p.object || /items\[|\(document /.test(p.origin ?? ''))) {
      try { line = locateProblem(text, p); } catch { line = null; } // best effort only
      located = line !== null;
    }
    if (line !== null) errorLines.add(line);
    p.shownLine = line;
    p.located = located;
    const [first, ...rest] = String(p.message).split('\n');
    const where = line === null ? ''
      : `<a href="#" class="line-link" data-line="${line}">line ${line}</a>` +
        (located ? '<span class="located" title="The loader reports lines for YAML syntax errors only; this one was found by searching the text for the object and field."> (found by searching the text)</span>' : '') + ': ';
    const origin = p.origin ? p.origin.replace(/^<editor>\s*/, '') : '';
    return `<li class="problem" data-line="${line ?? ''}">${where}` +
      (p.object ? `<b class="object">${esc(p.object)}</b> ` : '') +
      (p.field ? `<code class="field">${esc(p.field)}</code>: ` : '') +
      `<span class="message">${esc(first)}</span>` +
      (origin ? ` <span class="origin">(${esc(origin)})</span>` : '') +
      (rest.length ? `<pre class="snippet">${esc(rest.join('\n'))}</pre>` : '') + '</li>';
  });
  ui.errors.innerHTML = `<h3>${plural(problems.length, 'problem')} in the input` +
    (state.engine ? ' <span class="hint">— the table, graph and explanation show the last input that compiled</span>' : '') +
    `</h3><ul>${items.join('')}</ul>`;
  ui.errors.hidden = false;
  ui.editorWrap.classList.add('has-error');
  for (const id of ['table-pane', 'graph-pane', 'explain-pane', 'warnings-box']) $(id).classList.add('stale');
  renderGutter(true);
  setStatus(`<span class="bad">${plural(problems.length, 'problem')}</span> in the input` +
    (errorLines.size ? ` (line ${[...errorLines].sort((a, b) => a - b).join(', ')})` : '') +
    (state.engine ? ' · showing the last input that compiled' : ''), 'error');
}

function showWarnings(warnings) {
  ui.warningCount.textContent = String(warnings.length);
  ui.warnings.innerHTML = warnings.map((w) => `<li>${esc(w.replace(/^<editor>\s*/, ''))}</li>`).join('');
  ui.warningsBox.hidden = warnings.length === 0;
}

// ---------------------------------------------------------------------------------------------
// truth table

function readPort() {
  const raw = ui.port.value.trim();
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) {
    ui.portError.textContent = 'port: a number from 1 to 65535';
    ui.port.setAttribute('aria-invalid', 'true');
    return null;
  }
  ui.portError.textContent = '';
  ui.port.removeAttribute('aria-invalid');
  return n;
}

/** matrix + table + graph (+ the explanation of the selected pair); returns the times. */
function renderResults() {
  const times = { matrix: 0, table: 0, graph: 0, explain: 0, rendered: false };
  const engine = state.engine;
  if (!engine) return times;
  const port = readPort();
  if (port === null) return times;
  times.rendered = true;
  state.port = port;
  state.protocol = ui.protocol.value;
  let t = performance.now();
  const result = engine.matrix(port, state.protocol);
  state.result = result;
  times.matrix = performance.now() - t;
  t = performance.now();
  renderTable(result);
  times.table = performance.now() - t;
  t = performance.now();
  renderGraph(result);
  times.graph = performance.now() - t;
  t = performance.now();
  const sel = state.selected;
  if (sel && result.pods.includes(sel.src) && result.pods.includes(sel.dst)) explainPair(sel.src, sel.dst);
  else if (state.reach && result.pods.includes(state.reach.pod)) explainReach(state.reach.pod, state.reach.direction);
  else clearExplanation();
  times.explain = performance.now() - t;
  return times;
}

function renderTable(result) {
  const { pods, allowed } = result;
  const n = pods.length;
  ui.matrixWrap.classList.toggle('empty', n === 0);
  if (n === 0) {
    ui.matrix.innerHTML = '<tbody><tr><td class="placeholder">No pods in the input: the table has nothing to show.</td></tr></tbody>';
    ui.matrixSummary.textContent = '';
    return;
  }
  if (n > MAX_TABLE_PODS) {
    ui.matrix.innerHTML = `<tbody><tr><td class="placeholder">${n} pods: the table is drawn for at most ${MAX_TABLE_PODS}. ` +
      'Use <code>netpol matrix</code> or <code>netpol connectivity</code> for clusters this size.</td></tr></tbody>';
    ui.matrixSummary.textContent = '';
    return;
  }
  const groups = groupsOf(pods);
  const nsStart = new Set(groups.map((g) => g.start));
  const short = pods.map((p) => abbrev(splitPod(p)[1]));
  const escPods = pods.map(esc);
  let h = '<thead><tr><th class="corner" colspan="2">from ↓ to →</th>';
  pods.forEach((p, j) => {
    const ns = abbrev(splitPod(p)[0], 14);
    h += `<th class="col${nsStart.has(j) ? ' ns-start' : ''}" scope="col" data-pod="${escPods[j]}">` +
      `<button type="button" class="head" data-reach="to" data-pod="${escPods[j]}" title="${escPods[j]}: who can reach it?">` +
      `<span><span class="ns">${esc(ns)}/</span>${esc(short[j])}</span></button></th>`;
  });
  h += '</tr></thead><tbody>';
  let count = 0;
  for (let i = 0; i < n; i++) {
    const g = groups.find((x) => x.start === i);
    h += `<tr class="${nsStart.has(i) ? 'ns-start' : ''}" data-src="${esc(pods[i])}">`;
    if (g) h += `<th class="ns-row" rowspan="${g.count}" title="${esc(g.ns)}"><span>${esc(g.ns)}</span></th>`;
    h += `<th class="row" scope="row"><button type="button" class="head" data-reach="from" data-pod="${escPods[i]}" ` +
      `title="${escPods[i]}: what can it reach?">${esc(short[i])}</button></th>`;
    for (let j = 0; j < n; j++) {
      const ok = allowed[i][j];
      if (ok) count++;
      // lean markup (10,000 cells at 100 pods): the tooltip is added on hover/focus
      h += `<td${nsStart.has(j) ? ' class="ns-start"' : ''}><button type="button" id="cell-${i}-${j}" ` +
        `class="cell ${ok ? 'allow' : 'deny'}${i === j ? ' self' : ''}" data-src="${escPods[i]}" data-dst="${escPods[j]}" ` +
        `data-allowed="${ok}">${ok ? '✓' : '·'}</button></td>`;
    }
    h += '</tr>';
  }
  h += '</tbody>';
  ui.matrix.innerHTML = h;
  ui.matrixSummary.textContent = `${count} of ${n * n} pod pairs allowed on ${result.port}/${result.protocol}`;
  markSelected();
}

function markSelected() {
  ui.matrix.querySelectorAll('.cell.selected, .head.selected').forEach((b) => b.classList.remove('selected'));
  ui.graph.querySelectorAll('.selected').forEach((e) => e.classList.remove('selected'));
  ui.graph.querySelector('#selected-pair')?.remove();
  if (state.reach) {
    const { pod, direction } = state.reach;
    ui.matrix.querySelectorAll('button.head').forEach((b) => {
      if (b.dataset.pod === pod && b.dataset.reach === direction) b.classList.add('selected');
    });
    ui.graph.querySelectorAll('.node').forEach((n) => { if (n.dataset.pod === pod) n.classList.add('selected'); });
    return;
  }
  const sel = state.selected;
  if (!sel || !state.result) return;
  const i = state.result.pods.indexOf(sel.src);
  const j = state.result.pods.indexOf(sel.dst);
  if (i < 0 || j < 0) return;
  document.getElementById(`cell-${i}-${j}`)?.classList.add('selected');
  drawSelectedInGraph(i, j);
}

// ---------------------------------------------------------------------------------------------
// explanation

const REASONS = {
  admitted: 'admitted',
  'no-rule-admits': 'no rule admits',
  'not-isolated': 'not isolated: no policy of this type selects the pod',
  'not-a-pod': 'not a pod: this direction is not checked',
  'self-traffic': 'a pod may always reach itself (self traffic: allow)',
  'no-common-family': 'no address family in common with the other end: no connection can exist',
};

const FAMILY_NAMES = { ipv4: 'IPv4', ipv6: 'IPv6' };

// The directions of an explanation: one pair, or one per address family when the families both
// ends share decide differently (then headed "over IPv6", as `netpol check` heads them).
function accountsHtml(e) {
  const accounts = [[e.family, e.egress, e.ingress]];
  if (e.other_family) accounts.push([e.other_family.family, e.other_family.egress, e.other_family.ingress]);
  return accounts.map(([family, egress, ingress]) =>
    (e.other_family ? `<h3 class="family">over ${FAMILY_NAMES[family] ?? esc(family)}</h3>` : '') +
    `<div class="directions"${family ? ` data-family="${esc(family)}"` : ''}>` +
    `${directionHtml('egress', e.from, egress)}${directionHtml('ingress', e.to, ingress)}</div>`).join('');
}

function directionHtml(kind, pod, d) {
  const verdict = d.allowed ? 'allowed' : 'denied';
  const ruleWord = kind === 'egress' ? 'egress' : 'ingress';
  const listed = new Set([...d.admitted_by.map((r) => r.policy), ...d.not_admitting.map((r) => r.policy)]);
  let h = `<section class="direction ${d.allowed ? 'allow' : 'deny'}" data-direction="${kind}" data-reason="${esc(d.reason)}">` +
    `<h3>${kind === 'egress' ? 'Egress at the source' : 'Ingress at the destination'} <code>${esc(pod)}</code>: <span class="v">${verdict}</span></h3>` +
    `<p class="reason">${esc(REASONS[d.reason] ?? d.reason)}</p>`;
  if (d.isolating_policies.length) {
    h += `<h4>Isolated by</h4><ul class="isolating">${d.isolating_policies.map((p) =>
      `<li><code class="policy">${esc(p)}</code>${!d.allowed && !listed.has(p) ? ` <span class="hint">no ${ruleWord} rules: admits nothing</span>` : ''}</li>`).join('')}</ul>`;
  }
  if (d.admitted_by.length) {
    h += `<h4>Admitted by</h4><ul class="admitted">${d.admitted_by.map((r) =>
      `<li><code class="policy">${esc(r.policy)}</code> <code class="path">${esc(r.path)}</code></li>`).join('')}</ul>`;
  }
  if (!d.allowed && d.reason === 'no-rule-admits') {
    const misses = d.not_admitting.map((r) => {
      const what = !r.peer_matched && !r.port_matched ? 'neither peer nor port matches'
        : !r.peer_matched ? 'peer does not match' : 'port does not match';
      return `<li><code class="policy">${esc(r.policy)}</code> <code class="path">${esc(r.path)}</code>: ` +
        `<span class="mark ${r.peer_matched ? 'ok' : 'no'}">peer ${r.peer_matched ? '✓' : '✗'}</span> ` +
        `<span class="mark ${r.port_matched ? 'ok' : 'no'}">port ${r.port_matched ? '✓' : '✗'}</span> <span class="hint">${what}</span></li>`;
    });
    h += `<h4>No rule admits</h4>${misses.length ? `<ul class="misses">${misses.join('')}</ul>` : `<p class="hint">none of the isolating policies has ${ruleWord} rules</p>`}`;
  }
  return `${h}</section>`;
}

function clearExplainData() {
  for (const k of ['src', 'dst', 'allowed', 'pod', 'reach']) delete ui.explain.dataset[k];
}

function explainPair(src, dst) {
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

function clearExplanation() {
  state.selected = null;
  state.reach = null;
  clearExplainData();
  ui.explain.innerHTML = `<p class="placeholder">${PLACEHOLDER}</p>`;
}

function select(src, dst) {
  state.selected = { src, dst };
  state.reach = null;
  explainPair(src, dst);
  markSelected();
  writeHashSoon();
}

// ---------------------------------------------------------------------------------------------
// reach: who can reach a pod (its column header), what it can reach (its row header), every port

/** One side of a grant line: its rules, `ingress not isolated`, or nothing (an address). */
function accessHtml(a, field) {
  if (a.access === 'not-checked') return [];
  if (a.access === 'not-isolated') return [`<span class="open">${field} not isolated</span>`];
  return a.rules.map((g) => `<code class="policy">${esc(g.policy)}</code> <code class="path">${esc(g.rule)}</code>`);
}

/** Table rows of a part, as `netpol reach` prints them: one per grant line, the peer spanning them. */
function reachRows(part, to) {
  const rows = [];
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

function explainReach(pod, direction) {
  const engine = state.engine;
  if (!engine) return;
  const r = engine.reach(pod, direction);
  const to = direction === 'to';
  clearExplainData();
  ui.explain.dataset.pod = pod;
  ui.explain.dataset.reach = direction;
  ui.explainPair.textContent = '';
  const field = to ? 'ingress' : 'egress';
  const parts = r.parts.map((part) => {
    const rows = reachRows(part, to);
    const iso = part.isolated_by?.length
      ? `<p class="isolated hint">${field} isolated by ${part.isolated_by.map((p) => `<code class="policy">${esc(p)}</code>`).join(', ')}</p>` : '';
    return '<section class="reach-part">' +
      (r.parts.length > 1 ? `<h4>${esc(part.pods.join(', '))}</h4>` : '') +
      `<p class="statement">${esc(part.statement)}</p>${iso}` +
      (rows.length
        ? '<table class="reach-table"><thead><tr><th>Peer</th><th>Namespace</th><th>Pods</th><th>Ports</th><th>Granted by</th></tr></thead>' +
          `<tbody>${rows.join('')}</tbody></table>`
        : '<p class="hint">No peers.</p>') +
      '</section>';
  });
  const lead = r.parts.length > 1 ? `<p class="statement">${esc(r.statement.split('\n')[0])}</p>` : '';
  ui.explain.innerHTML =
    `<p class="verdict reach"><b>${to ? 'WHO CAN REACH' : 'WHAT CAN BE REACHED FROM'}</b> <code>${esc(r.subject.name)}</code>` +
    `${r.subject.workload ? ` <span class="hint">${esc(r.subject.workload)}</span>` : ''}` +
    ' <span class="hint">· every port and protocol</span></p>' +
    `${lead}${parts.join('')}`;
}

function selectReach(pod, direction) {
  state.reach = { pod, direction };
  state.selected = null;
  explainReach(pod, direction);
  markSelected();
  writeHashSoon();
}

// ---------------------------------------------------------------------------------------------
// graph: namespaces as boxes in rows, pods as circles in a grid inside, allowed edges as arrows

let graphLayout = null; // { pos: [{x, y}], r }

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function edgePath(a, b, r, bend = 0.22) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const d = Math.hypot(dx, dy) || 1;
  const off = Math.min(48, d * bend);
  const cx = (a.x + b.x) / 2 - (dy / d) * off;
  const cy = (a.y + b.y) / 2 + (dx / d) * off;
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

function renderGraph(result) {
  const { pods, allowed } = result;
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
  const CW = 118; const CH = 76; const PAD = 12; const HEAD = 34; const GAP = 16; const R = 11;
  const maxWidth = Math.max(560, graphWidth());
  const groups = groupsOf(pods);
  // box sizes
  for (const grp of groups) {
    grp.cols = Math.max(1, Math.min(grp.count, Math.floor((maxWidth - 2 * PAD) / CW), Math.ceil(Math.sqrt(grp.count * 1.5))));
    grp.rows = Math.ceil(grp.count / grp.cols);
    grp.w = grp.cols * CW + 2 * PAD;
    grp.h = HEAD + (grp.rows - 1) * CH + 60;
  }
  // place boxes left to right, wrapping into rows
  let x = 0; let y = 0; let rowH = 0; let width = 0;
  for (const grp of groups) {
    if (x > 0 && x + grp.w > maxWidth) { x = 0; y += rowH + GAP; rowH = 0; }
    grp.x = x; grp.y = y;
    x += grp.w + GAP;
    rowH = Math.max(rowH, grp.h);
    width = Math.max(width, grp.x + grp.w);
  }
  const height = y + rowH;
  const M = 6;
  g.setAttribute('width', String(width + 2 * M));
  g.setAttribute('height', String(height + 2 * M));
  g.setAttribute('viewBox', `${-M} ${-M} ${width + 2 * M} ${height + 2 * M}`);
  const defs = svg('defs');
  for (const [id, cls] of [['arrow', 'arrow'], ['arrow-sel', 'arrow sel'], ['arrow-deny', 'arrow deny']]) {
    const mk = svg('marker', { id, viewBox: '0 0 10 10', refX: 8, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' });
    mk.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }));
    defs.append(mk);
  }
  g.append(defs);
  const pos = [];
  const boxes = svg('g', { class: 'boxes' });
  groups.forEach((grp, gi) => {
    const box = svg('g', { class: `ns hue${gi % 6}`, 'data-ns': grp.ns });
    box.append(svg('rect', { x: grp.x, y: grp.y, width: grp.w, height: grp.h, rx: 8 }));
    box.append(svg('text', { x: grp.x + 10, y: grp.y + 17, class: 'ns-label' }, grp.ns));
    boxes.append(box);
    for (let k = 0; k < grp.count; k++) {
      const c = k % grp.cols; const r = Math.floor(k / grp.cols);
      pos[grp.start + k] = { x: grp.x + PAD + c * CW + CW / 2, y: grp.y + HEAD + r * CH + 22, hue: gi % 6 };
    }
  });
  g.append(boxes);
  const edges = svg('g', { class: 'edges' });
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
      edges.append(e);
    }
  }
  g.append(edges);
  const nodes = svg('g', { class: 'nodes' });
  pods.forEach((pod, i) => {
    const [, name] = splitPod(pod);
    const n = svg('g', { class: `node hue${pos[i].hue}`, 'data-pod': pod });
    n.append(svg('title', {}, pod));
    n.append(svg('circle', { cx: pos[i].x, cy: pos[i].y, r: R }));
    n.append(svg('text', { x: pos[i].x, y: pos[i].y + R + 14, 'text-anchor': 'middle' }, abbrev(name, 16)));
    nodes.append(n);
  });
  g.append(nodes);
  g.dataset.edges = String(count);
  g.dataset.nodes = String(pods.length);
  graphLayout = { pos, r: R };
}

function drawSelectedInGraph(i, j) {
  if (!graphLayout || !state.result) return;
  const { pods, allowed } = state.result;
  ui.graph.querySelectorAll('.node').forEach((n) => {
    if (n.dataset.pod === pods[i] || n.dataset.pod === pods[j]) n.classList.add('selected');
  });
  if (i === j) return;
  if (allowed[i][j]) {
    const e = [...ui.graph.querySelectorAll('.edge')].find((x) => x.dataset.src === pods[i] && x.dataset.dst === pods[j]);
    if (e) {
      e.classList.add('selected');
      e.querySelector('.line').setAttribute('marker-end', 'url(#arrow-sel)');
      e.parentNode.append(e); // on top
    }
    return;
  }
  const { pos, r } = graphLayout;
  const d = edgePath(pos[i], pos[j], r);
  const e = svg('g', { id: 'selected-pair', class: 'edge denied' });
  e.append(svg('title', {}, `${pods[i]} → ${pods[j]}: denied`));
  e.append(svg('path', { d, class: 'line', 'marker-end': 'url(#arrow-deny)' }));
  ui.graph.querySelector('.edges').append(e);
}

// ---------------------------------------------------------------------------------------------
// URL hash: ex=<example id> or z=<deflate-raw, base64url> / t=<base64url>, plus port, protocol,
// options and the selected pair. Loading a URL with such a hash restores that state.

const b64url = {
  encode(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
  decode(text) {
    const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  },
};
const canCompress = typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';
const pipe = async (bytes, stream) => new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());

async function hashNow() {
  const p = new URLSearchParams();
  const text = ui.editor.value;
  const ex = EXAMPLES.find((e) => e.id === state.exampleId);
  if (ex && ex.text === text) p.set('ex', ex.id);
  else if (canCompress) p.set('z', b64url.encode(await pipe(new TextEncoder().encode(text), new CompressionStream('deflate-raw'))));
  else p.set('t', b64url.encode(new TextEncoder().encode(text)));
  p.set('port', ui.port.value.trim());
  p.set('proto', ui.protocol.value);
  if (ui.selfTraffic.value !== 'allow') p.set('self', ui.selfTraffic.value);
  if (ui.lenient.checked) p.set('lenient', '1');
  if (state.selected) { p.set('from', state.selected.src); p.set('to', state.selected.dst); }
  if (state.reach) p.set(`reach-${state.reach.direction}`, state.reach.pod);
  return `#${p.toString()}`;
}

let hashSeq = 0;
let lastHash = '';
function writeHashSoon() {
  const seq = ++hashSeq;
  return hashNow().then((h) => {
    if (seq !== hashSeq) return; // a newer state won
    lastHash = h;
    if (location.hash !== h) history.replaceState(null, '', h);
  });
}

async function readHash(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  let text = null;
  let exampleId = '';
  if (p.has('ex')) {
    const ex = EXAMPLES.find((e) => e.id === p.get('ex'));
    if (ex) { text = ex.text; exampleId = ex.id; }
  } else if (p.has('z')) {
    text = new TextDecoder().decode(await pipe(b64url.decode(p.get('z')), new DecompressionStream('deflate-raw')));
  } else if (p.has('t')) {
    text = new TextDecoder().decode(b64url.decode(p.get('t')));
  }
  if (text === null) return null;
  return {
    text, exampleId,
    port: p.get('port'), protocol: p.get('proto'),
    selfTraffic: p.get('self'), lenient: p.get('lenient') === '1',
    selected: p.has('from') && p.has('to') ? { src: p.get('from'), dst: p.get('to') } : null,
    reach: p.has('reach-to') ? { pod: p.get('reach-to'), direction: 'to' }
      : p.has('reach-from') ? { pod: p.get('reach-from'), direction: 'from' } : null,
  };
}

function applyState(s, t0) {
  ui.port.value = s.port && /^\d+$/.test(s.port) ? s.port : '8080';
  ui.protocol.value = ['TCP', 'UDP', 'SCTP'].includes(s.protocol) ? s.protocol : 'TCP';
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

// ---------------------------------------------------------------------------------------------
// loading examples and files

function loadExample(id) {
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

async function loadFiles(files) {
  const list = [...files];
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

// ---------------------------------------------------------------------------------------------
// events

function wire() {
  for (const ex of EXAMPLES) ui.example.append(new Option(ex.title, ex.id));
  ui.example.addEventListener('change', () => {
    if (ui.example.value) loadExample(ui.example.value);
  });
  ui.editor.addEventListener('input', () => {
    renderGutter();
    const ex = EXAMPLES.find((e) => e.id === state.exampleId);
    if (ex && ex.text !== ui.editor.value) { state.exampleId = ''; ui.example.value = ''; ui.sourceName.textContent = '(edited)'; }
    clearTimeout(editTimer);
    editTimer = setTimeout(() => compileAndRender(), EDIT_DEBOUNCE_MS);
    ui.body.dataset.state = 'editing';
  });
  ui.editor.addEventListener('scroll', syncScroll);
  ui.errors.addEventListener('click', (ev) => {
    const a = ev.target.closest('.line-link');
    if (!a) return;
    ev.preventDefault();
    goToLine(Number(a.dataset.line));
  });
  const rerender = () => {
    if (!state.engine || state.stale) { readPort(); return; }
    const t0 = performance.now();
    const wasInvalid = ui.status.dataset.portInvalid === '1';
    const r = renderResults();
    if (!r.rendered) {
      ui.status.dataset.portInvalid = '1';
      setStatus(`${plural(state.engine.pods.length, 'pod')} · <span class="bad">the port is not valid</span>: nothing rendered`, 'error');
      return;
    }
    if (wasInvalid) {
      delete ui.status.dataset.portInvalid;
      setStatus(`${plural(state.engine.pods.length, 'pod')}, ${plural(state.engine.policies.length, 'policy', 'policies')} · rendered in ` +
        `<b>${ms(performance.now() - t0)} ms</b><span class="hint"> (matrix ${ms(r.matrix)}, table ${ms(r.table)}, graph ${ms(r.graph)} ms)</span>`, 'ok');
    }
    writeHashSoon();
  };
  ui.port.addEventListener('input', rerender);
  ui.protocol.addEventListener('change', rerender);
  ui.selfTraffic.addEventListener('change', () => compileAndRender());
  ui.lenient.addEventListener('change', () => compileAndRender());
  const cellTitle = (ev) => {
    const b = ev.target.closest?.('button.cell');
    if (!b || b.title) return;
    const self = b.dataset.src === b.dataset.dst;
    b.title = `${b.dataset.src} → ${b.dataset.dst}: ${b.dataset.allowed === 'true' ? 'allowed' : 'denied'}${self ? ' (self)' : ''}`;
    b.setAttribute('aria-label', b.title);
  };
  ui.matrix.addEventListener('mouseover', cellTitle);
  ui.matrix.addEventListener('focusin', cellTitle);
  ui.matrix.addEventListener('click', (ev) => {
    const b = ev.target.closest('button.cell');
    if (b) select(b.dataset.src, b.dataset.dst);
    const head = ev.target.closest('button.head');
    if (head) selectReach(head.dataset.pod, head.dataset.reach);
  });
  const edgeSelect = (ev) => {
    const e = ev.target.closest('.edge[data-src]');
    if (e) select(e.dataset.src, e.dataset.dst);
  };
  ui.graph.addEventListener('click', edgeSelect);
  ui.graph.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') edgeSelect(ev); });
  ui.file.addEventListener('change', () => { loadFiles(ui.file.files).finally(() => { ui.file.value = ''; }); });
  // drag and drop onto the editor; elsewhere a drop must not navigate away from the page
  const isFiles = (ev) => [...(ev.dataTransfer?.types ?? [])].includes('Files');
  let depth = 0;
  ui.editorWrap.addEventListener('dragenter', (ev) => { if (isFiles(ev)) { depth++; ui.editorWrap.classList.add('dragging'); } });
  ui.editorWrap.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; ui.editorWrap.classList.remove('dragging'); } });
  ui.editorWrap.addEventListener('dragover', (ev) => { if (isFiles(ev)) { ev.preventDefault(); ev.dataTransfer.dropEffect = 'copy'; } });
  ui.editorWrap.addEventListener('drop', (ev) => {
    depth = 0;
    ui.editorWrap.classList.remove('dragging');
    if (!ev.dataTransfer?.files?.length) return;
    ev.preventDefault();
    loadFiles(ev.dataTransfer.files);
  });
  window.addEventListener('dragover', (ev) => { if (isFiles(ev)) ev.preventDefault(); });
  window.addEventListener('drop', (ev) => { if (isFiles(ev)) ev.preventDefault(); });
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
    if (location.hash === lastHash || !location.hash) return;
    const s = await readHash(location.hash).catch(() => null);
    if (s) applyState(s);
  });
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (state.result) { renderGraph(state.result); markSelected(); } }, 150);
  });
}

// V8 compiles a wasm function when it first runs: the first cluster compiled costs ~150 ms more
// than the next ones. While the page is still loading, run a small cluster that takes the same
// code paths (YAML block and flow styles, a List, every kind, named ports, ipBlocks, selectors),
// so that loading the first real input is as quick as any later one.
const WARM_UP = `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: w, labels: {team: x}}}
- apiVersion: v1
  kind: Pod
  metadata: {name: a-5d78c9869d-7xk2p, namespace: w, labels: {app: a}}
  spec:
    containers:
    - name: c
      ports:
      - {name: http, containerPort: 8080, protocol: TCP}
  status: {phase: Running, podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: b, namespace: w, labels: {app: b}}
  spec: {containers: [{name: c}]}
  status: {phase: Succeeded, podIP: 10.0.0.2}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: p, namespace: w}
  spec:
    podSelector: {}
    policyTypes: [Ingress, Egress]
    ingress:
    - from:
      - namespaceSelector: {matchLabels: {team: x}}
        podSelector:
          matchExpressions: [{key: app, operator: In, values: [a]}]
      - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}
      ports: [{port: http}, {port: 9100, endPort: 9199, protocol: TCP}]
    egress:
    - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
      ports: [{port: 443}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: q
  namespace: w
spec:
  podSelector:
    matchLabels:
      app: a
`;

function warmUp() {
  const e = new Engine(WARM_UP, engineOptions());
  const pods = e.pods;
  e.matrix(8080, 'TCP');
  e.explain(pods[0], pods[0], 8080, 'TCP');
  e.explain('10.9.9.9', pods[0], 9100, 'TCP');
  e.reach(pods[0], 'to');
  e.reach(pods[0], 'from');
  void e.policies;
  void e.warnings;
  e.free();
  try { new Engine('a: [', undefined).free(); } catch { /* the error path, on purpose */ }
}

async function main() {
  wire();
  const t0 = performance.now();
  let warm = 0;
  let tw = 0;
  try {
    await init();
    tw = performance.now();
    warmUp();
    warm = performance.now() - tw;
  } catch (err) {
    ui.body.dataset.state = 'failed';
    setStatus(`<span class="bad">The engine did not load:</span> ${esc(err?.message ?? err)}`, 'error');
    throw err;
  }
  const wasmInit = tw - t0;
  let restored = null;
  let linkProblem = '';
  if (location.hash.length > 1) {
    try { restored = await readHash(location.hash); } catch (err) { linkProblem = String(err?.message ?? err); }
    if (!restored && !linkProblem) linkProblem = 'no cluster in it';
  }
  if (restored) applyState(restored);
  else loadExample('cluster');
  state.timings.wasmInit = wasmInit;
  state.timings.warmUp = warm;
  state.timings.sinceNavigation = performance.now(); // page opened -> first table rendered
  const first = { ...state.timings };
  state.timings.firstLoad = first;
  requestAnimationFrame(() => setTimeout(() => { first.paintedSinceNavigation = performance.now(); }, 0));
  if (linkProblem) {
    ui.sourceName.textContent = `(the link could not be read: ${linkProblem}; showing an example)`;
  }
  ui.status.title = `engine (wasm) loaded in ${ms(wasmInit)} ms, warmed up in ${ms(warm)} ms`;
}

main();
