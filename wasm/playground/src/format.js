// @ts-check
// Text helpers: HTML escaping, numbers, pod names.

/** @type {Record<string, string>} */
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** @param {unknown} s */
export const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]);

/**
 * A policy's name as a control: clicking it shows what the policy selects and admits
 * (policy.js).
 * @param {string} name  `namespace/name`, or a cluster policy's name
 * @param {string} [label]  what to show, when not the name alone
 */
export const policyHtml = (name, label = name) =>
  `<code class="policy" data-policy="${esc(name)}" role="button" tabindex="0" ` +
  `title="${esc(name)}: which pods does it select, and which does it admit?">${esc(label)}</code>`;

/** Milliseconds as shown: one decimal below 10. @param {number} x */
export const ms = (x) => (x < 10 ? x.toFixed(1) : x.toFixed(0));

/** `3 pods`, `1 policy`. @param {number} n @param {string} one @param {string} [many] */
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The message of a thrown value (an `Error` or anything else).
 * @param {unknown} err
 */
export function messageOf(err) {
  const message = typeof err === 'object' && err !== null && 'message' in err ? err.message : undefined;
  return String(message ?? err);
}

/**
 * `frontend-6c8f9b7d4-2lmnp` → `frontend-…2lmnp` (Deployment pods), long names cut in the middle.
 * @param {string} name
 * @param {number} [max]
 */
export function abbrev(name, max = 18) {
  const m = /^(.+)-[a-z0-9]{6,10}-([a-z0-9]{5})$/.exec(name);
  if (m) return m[1].length + 7 <= max ? `${m[1]}-…${m[2]}` : `${m[1].slice(0, max - 6)}…${m[2]}`;
  return name.length <= max ? name : `${name.slice(0, max - 6)}…${name.slice(-5)}`;
}

/**
 * `namespace/name` → [namespace, name].
 * @param {string} pod
 * @returns {[string, string]}
 */
export const splitPod = (pod) => { const i = pod.indexOf('/'); return [pod.slice(0, i), pod.slice(i + 1)]; };

/** @typedef {{ ns: string, start: number, count: number }} NamespaceGroup  a run of pods of one namespace */

/**
 * The runs of consecutive pods of one namespace (the engine sorts pods by namespace).
 * @param {readonly string[]} pods
 * @returns {NamespaceGroup[]}
 */
export function groupsOf(pods) {
  /** @type {NamespaceGroup[]} */
  const groups = [];
  pods.forEach((pod, i) => {
    const [ns] = splitPod(pod);
    const last = groups[groups.length - 1];
    if (last && last.ns === ns) last.count++;
    else groups.push({ ns, start: i, count: 1 });
  });
  return groups;
}
