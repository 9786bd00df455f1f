// @ts-check
// Fallback only: the line of a problem the engine gave no line for, found by scanning the YAML
// text for the object (by its origin `<editor> (document 2) items[3]` or its name) and then
// following the problem's field path. Once every problem carries `line`, delete this module and
// its one use in problems.js.

/**
 * One line of the text: its indentation, and the block-mapping key on it (after any `- `).
 * @typedef {object} Line
 * @property {string} raw
 * @property {number} indent
 * @property {boolean} dash     starts with `- `
 * @property {boolean} blank    empty or a comment
 * @property {string | null} key
 * @property {number | null} keyCol  the key's column (set whenever `key` is)
 * @property {boolean} docMark  `---` or `...`
 */

/**
 * Lines [start, end) of a mapping whose keys are at column `col` (null: the first key's).
 * `line` is the line that names it; `partial` means the path stopped short there.
 * @typedef {{ start: number, end: number, col: number | null, line?: number, partial?: boolean }} Region
 */

/** @typedef {{ key: string, index?: number }} Segment  a step of a field path: `.key` or `.key[index]` */

/** @typedef {{ origin: string | null, object: string | null, field: string }} Located  what the search uses */

/** @param {string} s */
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * @param {string} text
 * @returns {Line[]}
 */
function scanLines(text) {
  return text.split('\n').map((raw) => {
    const line = raw.replace(/\r$/, '');
    const m = /** @type {RegExpExecArray} */ (/^( *)((?:-(?: +|$))*)(.*)$/.exec(line)); // matches any line
    const indent = m[1].length;
    const rest = m[3];
    const dash = m[2].length > 0;
    const blank = !dash && (rest.trim() === '' || rest.trimStart().startsWith('#'));
    /** @type {Line} */
    const info = { raw: line, indent, dash, blank, key: null, keyCol: null, docMark: false };
    const k = /^(?:"([^"]*)"|'([^']*)'|([^\s#"'{[\-][^:#]*?|-[^\s:#][^:#]*?))\s*:(?:\s|$)/.exec(rest);
    if (k) { info.key = k[1] ?? k[2] ?? k[3]; info.keyCol = indent + m[2].length; }
    if (/^---(\s|$)/.test(line) || /^\.\.\.\s*$/.test(line)) { info.docMark = true; info.blank = false; info.key = null; }
    return info;
  });
}

/**
 * `spec.ingress[0].from[0].ipBlock.except[0]`, `metadata.labels["a/b"]` → [{key, index}]
 * @param {string} field
 * @returns {Segment[]}
 */
function parsePath(field) {
  /** @type {Segment[]} */
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

/**
 * The end (exclusive) of the value of a key at line `i`, column `col`, within `region`.
 * @param {Line[]} lines
 * @param {Region} region
 * @param {number} i
 * @param {number} col
 */
function valueEnd(lines, region, i, col) {
  let end = i + 1;
  for (; end < region.end; end++) {
    const c = lines[end];
    if (c.blank) continue;
    if (c.docMark || c.indent < col || (c.indent === col && !c.dash)) break;
  }
  return end;
}

/**
 * The `index`-th item of the block sequence on lines (i, end), or a partial region at line `i`.
 * @param {Line[]} lines
 * @param {number} i
 * @param {number} end
 * @param {number} index
 * @returns {Region}
 */
function sequenceItem(lines, i, end, index) {
  const items = [];
  let dashCol = null;
  for (let j = i + 1; j < end; j++) {
    const c = lines[j];
    if (!c.dash) continue;
    if (dashCol === null) dashCol = c.indent;
    if (c.indent === dashCol) items.push(j);
  }
  if (index >= items.length) return { start: i, end: i + 1, col: null, line: i, partial: true };
  const s = items[index];
  const e = index + 1 < items.length ? items[index + 1] : end;
  return { start: s, end: e, col: lines[s].keyCol, line: s };
}

/**
 * Within `region`, the value region of `seg`, or null.
 * @param {Line[]} lines
 * @param {Region} region
 * @param {Segment} seg
 * @returns {Region | null}
 */
function descend(lines, region, seg) {
  let col = region.col;
  for (let i = region.start; i < region.end; i++) {
    const l = lines[i];
    if (l.key === null) continue;
    const keyCol = /** @type {number} */ (l.keyCol);
    if (col === null) col = keyCol;
    if (keyCol !== col || l.key !== seg.key) continue;
    const end = valueEnd(lines, region, i, col);
    if (seg.index === undefined) return { start: i + 1, end, col: null, line: i };
    return sequenceItem(lines, i, end, seg.index);
  }
  // a flow mapping (`metadata: {name: x}`): the first line in the region that mentions the key
  const re = new RegExp(`(^|[\\s{,])["']?${escapeRegExp(seg.key)}["']?\\s*:`);
  for (let i = region.start; i < region.end; i++) {
    if (re.test(lines[i].raw)) return { start: i, end: i + 1, col: null, line: i, partial: true };
  }
  return null;
}

/**
 * Follow `segs` from `region`; returns the deepest line reached (0-based) and whether all matched.
 * @param {Line[]} lines
 * @param {Region} region
 * @param {Segment[]} segs
 */
function follow(lines, region, segs) {
  let r = region;
  let line = region.line ?? region.start;
  for (const seg of segs) {
    const next = descend(lines, r, seg);
    if (!next) return { line, complete: false };
    line = next.line ?? next.start;
    if (next.partial) return { line, complete: false };
    r = next;
  }
  return { line, complete: true };
}

/**
 * The regions of the YAML documents of the stream.
 * @param {Line[]} lines
 * @returns {Region[]}
 */
function documentRegions(lines) {
  /** @type {Region[]} */
  const docs = [];
  let start = 0;
  let explicit = false;
  /** @param {number} end */
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

/**
 * The object's region from the problem's origin: `<editor> (document 2) items[3]`.
 * @param {Line[]} lines
 * @param {string | null} origin
 * @returns {Region | null}
 */
function regionFromOrigin(lines, origin) {
  if (!origin) return null;
  const docs = documentRegions(lines);
  const d = /\(document (\d+)\)/.exec(origin);
  /** @type {Region | undefined} */
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

/**
 * The region of the object whose `name:` is on line `i` (a block `name:` under `metadata:`, or
 * a flow `metadata: {name: …}`), or null when the line is neither.
 * @param {Line[]} lines
 * @param {number} i
 * @returns {Region | null}
 */
function objectAround(lines, i) {
  const l = lines[i];
  // the object's keys are at the column of `metadata:` (block style) or of this line's key (flow)
  let meta = i;
  if (l.key === 'name') {
    const nameCol = /** @type {number} */ (l.keyCol);
    while (meta >= 0 && !(lines[meta].key === 'metadata' && /** @type {number} */ (lines[meta].keyCol) < nameCol)) meta--;
    if (meta < 0) return null;
  } else if (l.key !== 'metadata') return null;
  const col = /** @type {number} */ (lines[meta].keyCol);
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
  return { start, end, col, line: i };
}

/**
 * The region of the object `Kind ns/name` found by searching for `name: <name>`; the best
 * candidate also has that kind and namespace.
 * @param {Line[]} lines
 * @param {string | null} object
 * @returns {Region | null}
 */
function regionFromName(lines, object) {
  const m = /^(\S+)\s+(?:([^/\s]+)\/)?(\S+)$/.exec(object || '');
  if (!m) return null;
  const [, kind, ns, name] = m;
  const nameRe = new RegExp(`(^|[\\s{,])name\\s*:\\s*["']?${escapeRegExp(name)}["']?\\s*($|[,}#])`);
  const kindRe = new RegExp(`:\\s*["']?${kind}["']?\\s*(#.*)?$`);
  const nsRe = ns ? new RegExp(`(^|[\\s{,])namespace\\s*:\\s*["']?${escapeRegExp(ns)}["']?\\s*($|[,}#])`) : null;
  /** @type {{ region: Region, score: number }[]} */
  const candidates = [];
  lines.forEach((l, i) => {
    if (!nameRe.test(l.raw)) return;
    const region = objectAround(lines, i);
    if (!region) return;
    const body = lines.slice(region.start, region.end);
    const kindOk = body.some((c) => c.keyCol === region.col && c.key === 'kind' && kindRe.test(c.raw));
    const nsOk = !nsRe || body.some((c) => nsRe.test(c.raw));
    candidates.push({ region, score: (kindOk ? 2 : 0) + (nsOk ? 1 : 0) });
  });
  candidates.sort((a, b) => b.score - a.score);
  return candidates[0]?.region ?? null;
}

/**
 * Best effort: the 1-based line of a problem the engine gave no line for, or null.
 * @param {string} text
 * @param {Located} problem
 * @returns {number | null}
 */
export function locateProblem(text, problem) {
  const lines = scanLines(text);
  let region = regionFromOrigin(lines, problem.origin);
  if (region && problem.object) {
    // make sure the origin led to the right object (its name must be in the region)
    const name = /** @type {string} */ (problem.object.split(/\s+/).pop()).split('/').pop() ?? '';
    const { start, end } = region;
    if (!lines.slice(start, end).some((l) => l.raw.includes(name))) region = null;
  }
  region = region ?? regionFromName(lines, problem.object);
  if (!region) return null;
  const { line } = follow(lines, region, parsePath(problem.field || ''));
  return line + 1;
}
