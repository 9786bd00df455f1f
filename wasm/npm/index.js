// netpol for JavaScript: the wasm-bindgen build of wasm/src/lib.rs (`Engine`, `Live` and their
// types) and `load()`, which instantiates the WebAssembly module once, in Node or in a browser.
import init from './netpol_wasm.js';

export * from './netpol_wasm.js';

let loading;

/**
 * Instantiates the WebAssembly module; call (and await) it once before `new Engine(...)`. Later
 * calls return the same promise. Without `source`, the module is the `netpol_wasm_bg.wasm` next
 * to this file: read from disk when this file is (Node, Deno, Bun), fetched otherwise (browsers,
 * bundlers that follow `new URL(..., import.meta.url)`).
 *
 * @param {import('./netpol_wasm.js').InitInput | Promise<import('./netpol_wasm.js').InitInput>} [source]
 * @returns {Promise<void>}
 */
export function load(source) {
  loading ??= instantiate(source).catch((e) => {
    loading = undefined; // let a later call try again
    throw e;
  });
  return loading;
}

async function instantiate(source) {
  if (source === undefined) {
    const url = new URL('./netpol_wasm_bg.wasm', import.meta.url);
    if (url.protocol === 'file:') {
      // fetch() cannot read file: URLs in Node. The specifier is a variable so that browser
      // bundlers do not try to resolve a Node module.
      const fs = 'node:fs/promises';
      const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ fs);
      source = await readFile(url);
    } else {
      source = url;
    }
  }
  await init({ module_or_path: source });
}
