// @ts-check
// The playground's state: what is loaded, selected and shown. One object, read by every module
// and by the browser test (as `window.netpolPlayground.state`).
/** @import { Engine, MatrixResult, Problem } from '../pkg/netpol_wasm.js' */

/** @typedef {'to' | 'from'} ReachDirection  who can reach the pod, or what it can reach */
/** @typedef {{ src: string, dst: string }} Pair  a selected connection: row pod → column pod */
/** @typedef {{ pod: string, direction: ReachDirection }} ReachView  a pod's header was clicked */
/** @typedef {{ name: string, selects: string[], admits: string[] }} PolicyView  a policy's name was clicked */

/**
 * Milliseconds spent on one load: from its start (example picked, file read, edit applied) to
 * the rendered panes.
 * @typedef {object} LoadTimings
 * @property {number} total
 * @property {number} editor   putting the text into the editor
 * @property {number} compile
 * @property {number} matrix
 * @property {number} table
 * @property {number} graph
 * @property {number} explain
 */

/**
 * The last load's timings, plus the page's first load (`firstLoad`, with the engine's start).
 * @typedef {Partial<LoadTimings> & {
 *   painted?: number, wasmInit?: number, warmUp?: number, sinceNavigation?: number,
 *   paintedSinceNavigation?: number, firstLoad?: Timings,
 * }} Timings
 */

/**
 * @typedef {object} State
 * @property {Engine | null} engine  the last Engine that compiled (kept while the input has errors)
 * @property {boolean} stale         the input has errors: the panes show the last good result
 * @property {Problem[]} problems  why the input did not compile, each with its line when known
 * @property {string} exampleId      the bundled example in the editor, '' for other text
 * @property {number} port
 * @property {string} protocol
 * @property {Pair | null} selected
 * @property {ReachView | null} reach  (never together with `selected`)
 * @property {PolicyView | null} policy  (never together with `selected` or `reach`)
 * @property {MatrixResult | null} result  the last truth table
 * @property {number} gen            bumped after every compile attempt (tests wait on it)
 * @property {Timings} timings
 */

/** @type {State} */
export const state = {
  engine: null,
  stale: false,
  problems: [],
  exampleId: '',
  port: 8080,
  protocol: 'TCP',
  selected: null,
  reach: null,
  policy: null,
  result: null,
  gen: 0,
  timings: {},
};

/**
 * A direction read from the page (a `data-reach` attribute, the URL).
 * @param {string | undefined} text
 * @returns {ReachDirection}
 */
export const asDirection = (text) => (text === 'to' ? 'to' : 'from');
