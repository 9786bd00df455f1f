// @ts-check
// The page's elements (index.html), looked up once when the page starts.

/**
 * The element `#id`, checked to be a `type` so that a renamed or retyped element in index.html
 * fails at start rather than on first use.
 * @template {Element} T
 * @param {string} id
 * @param {{ new (): T, prototype: T }} type
 * @returns {T}
 */
function byId(id, type) {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`index.html: #${id} is missing or not a ${type.name}`);
  return el;
}

export const ui = {
  body: document.body,
  status: byId('status', HTMLDivElement),
  example: byId('example', HTMLSelectElement),
  file: byId('file', HTMLInputElement),
  copyLink: byId('copy-link', HTMLButtonElement),
  link: byId('link', HTMLInputElement),
  sourceName: byId('source-name', HTMLSpanElement),
  editorWrap: byId('editor-wrap', HTMLDivElement),
  gutter: byId('gutter', HTMLDivElement),
  editor: byId('editor', HTMLTextAreaElement),
  band: byId('line-band', HTMLDivElement),
  errors: byId('errors', HTMLDivElement),
  warningsBox: byId('warnings-box', HTMLDetailsElement),
  warnings: byId('warnings', HTMLUListElement),
  warningCount: byId('warning-count', HTMLSpanElement),
  selfTraffic: byId('self-traffic', HTMLSelectElement),
  lenient: byId('lenient', HTMLInputElement),
  port: byId('port', HTMLInputElement),
  protocol: byId('protocol', HTMLSelectElement),
  portError: byId('port-error', HTMLSpanElement),
  matrix: byId('matrix', HTMLTableElement),
  matrixSummary: byId('matrix-summary', HTMLParagraphElement),
  matrixWrap: byId('matrix-wrap', HTMLDivElement),
  explain: byId('explain', HTMLDivElement),
  explainPair: byId('explain-pair', HTMLSpanElement),
  graph: byId('graph', SVGSVGElement),
  graphWrap: byId('graph-wrap', HTMLDivElement),
  graphPort: byId('graph-port', HTMLSpanElement),
  /** The panes that show the last good result while the input has errors. */
  resultPanes: ['table-pane', 'graph-pane', 'explain-pane', 'warnings-box'].map((id) => byId(id, HTMLElement)),
};

/**
 * The element matching `selector` at or above the event's target, if any.
 * @param {Event} ev
 * @param {string} selector
 * @returns {HTMLElement | SVGElement | null}
 */
export function closestTo(ev, selector) {
  const target = ev.target;
  if (!(target instanceof Element)) return null;
  const el = target.closest(selector);
  return el instanceof HTMLElement || el instanceof SVGElement ? el : null;
}

/**
 * `el`'s `data-<key>` attribute ('' when absent: the selectors that find these elements
 * require the attributes they read).
 * @param {HTMLElement | SVGElement} el
 * @param {string} key
 */
export const data = (el, key) => el.dataset[key] ?? '';
