// @ts-check
// The URL hash: ex=<example id> or z=<deflate-raw, base64url> / t=<base64url>, plus port,
// protocol, options and the selection. Opening a URL with such a hash restores that state.
/** @import { Pair, ReachView } from './state.js' */
import { EXAMPLES } from '../examples/examples.js';
import { ui } from './dom.js';
import { state } from './state.js';

/**
 * What a link holds (as read, not yet checked).
 * @typedef {object} LinkState
 * @property {string} text
 * @property {string} exampleId
 * @property {string | null} port
 * @property {string | null} protocol
 * @property {string | null} selfTraffic
 * @property {boolean} lenient
 * @property {Pair | null} selected
 * @property {ReachView | null} reach
 */

const b64url = {
  /** @param {Uint8Array} bytes */
  encode(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
  /** @param {string} text */
  decode(text) {
    const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  },
};
const canCompress = typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';

/**
 * @param {Uint8Array<ArrayBuffer>} bytes
 * @param {CompressionStream | DecompressionStream} stream
 */
const pipe = async (bytes, stream) => new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());

/** The hash for the current state. */
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

/** Whether `hash` is the one the page wrote last (not a navigation to another state). */
export const isOwnHash = (/** @type {string} */ hash) => hash === lastHash;

/** Put the current state into the URL (without a history entry) once its hash is ready. */
export function writeHashSoon() {
  const seq = ++hashSeq;
  return hashNow().then((h) => {
    if (seq !== hashSeq) return; // a newer state won
    lastHash = h;
    if (location.hash !== h) history.replaceState(null, '', h);
  });
}

/**
 * The state a hash holds, or null when it holds no cluster text.
 * @param {string} hash
 * @returns {Promise<LinkState | null>}
 */
export async function readHash(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  let text = null;
  let exampleId = '';
  const exId = p.get('ex');
  const z = p.get('z');
  const t = p.get('t');
  if (exId !== null) {
    const ex = EXAMPLES.find((e) => e.id === exId);
    if (ex) { text = ex.text; exampleId = ex.id; }
  } else if (z !== null) {
    text = new TextDecoder().decode(await pipe(b64url.decode(z), new DecompressionStream('deflate-raw')));
  } else if (t !== null) {
    text = new TextDecoder().decode(b64url.decode(t));
  }
  if (text === null) return null;
  const from = p.get('from');
  const to = p.get('to');
  const reachTo = p.get('reach-to');
  const reachFrom = p.get('reach-from');
  return {
    text, exampleId,
    port: p.get('port'), protocol: p.get('proto'),
    selfTraffic: p.get('self'), lenient: p.get('lenient') === '1',
    selected: from !== null && to !== null ? { src: from, dst: to } : null,
    reach: reachTo !== null ? { pod: reachTo, direction: 'to' }
      : reachFrom !== null ? { pod: reachFrom, direction: 'from' } : null,
  };
}
