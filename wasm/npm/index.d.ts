// netpol for JavaScript: `Engine`, `Live` and the types of their inputs and outputs (from the
// wasm-bindgen build), and `load()`.
import type { InitInput } from './netpol_wasm.js';

export * from './netpol_wasm.js';

/**
 * Instantiates the WebAssembly module; call (and await) it once before `new Engine(...)`. Later
 * calls return the same promise. Without `source`, the module is the `netpol_wasm_bg.wasm` next
 * to this file: read from disk when this file is (Node, Deno, Bun), fetched otherwise (browsers,
 * bundlers that follow `new URL(..., import.meta.url)`).
 */
export function load(source?: InitInput | Promise<InitInput>): Promise<void>;
