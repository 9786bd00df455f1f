#!/usr/bin/env node
// node-test.mjs — the npm package as a user gets it, in Node.
//
//   node wasm/npm/test/node-test.mjs TARBALL_OR_DIR WORKDIR [--expect-matrix M.json] [--tsc PATH]
//
// TARBALL_OR_DIR is the tarball scripts/npm-package.sh packs, or its OUT_DIR (holding one
// netpol-*.tgz). The test makes a fresh project in WORKDIR/project (removed first), installs the
// tarball there with `npm install` (offline: the package has no dependencies), checks what was
// installed (the files "files" lists, the workspace's version), type-checks consumer.ts against
// the installed package's declarations with the playground's tsc (`--tsc`, default
// wasm/playground/node_modules/.bin/tsc: `cd wasm/playground && npm ci`) and runs what tsc
// emitted in a child node process: it imports `netpol` by name, load()s the wasm and checks
// real answers on examples/cluster.yaml (decide, explain, matrix, connectivity, reach,
// selectPod, selectPolicy, errors for bad input). M.json is `netpol matrix
// examples/cluster.yaml --port 8080 -o json`: with it every cell of the wasm matrix must equal
// the CLI's. Prints one line per check, then `N passed, M failed`; exit 1 on any failure, 2 on
// usage errors.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');

function usage(msg) {
  if (msg) console.error(`node-test: ${msg}`);
  console.error('usage: node node-test.mjs TARBALL_OR_DIR WORKDIR [--expect-matrix M.json] [--tsc PATH]');
  process.exit(2);
}

const opt = { tsc: path.join(repo, 'wasm', 'playground', 'node_modules', '.bin', 'tsc') };
const positional = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
  switch (a) {
    case '--expect-matrix': opt.expectMatrix = path.resolve(val()); break;
    case '--tsc': opt.tsc = path.resolve(val()); break;
    case '-h': case '--help': usage();
    default:
      if (a.startsWith('-')) usage(`unknown argument ${a}`);
      positional.push(a);
  }
}
if (positional.length !== 2) usage('TARBALL_OR_DIR and WORKDIR are required');
const [input, workdir] = positional.map((p) => path.resolve(p));

let tarball = input;
if (existsSync(input) && statSync(input).isDirectory()) {
  const found = readdirSync(input).filter((f) => /^netpol-.*\.tgz$/.test(f));
  if (found.length !== 1) usage(`${input} holds ${found.length} netpol-*.tgz, not one: run scripts/npm-package.sh ${input}`);
  tarball = path.join(input, found[0]);
}
if (!existsSync(tarball)) usage(`no ${tarball}: run scripts/npm-package.sh OUT_DIR`);
if (opt.expectMatrix && !existsSync(opt.expectMatrix)) usage(`no ${opt.expectMatrix}`);
if (!existsSync(opt.tsc)) usage(`no TypeScript compiler at ${opt.tsc}: run (cd wasm/playground && npm ci) or pass --tsc`);

const results = [];
function check(name, fn) {
  try {
    const detail = fn();
    results.push(true);
    console.log(`ok   ${name}${detail ? ` — ${detail}` : ''}`);
    return true;
  } catch (e) {
    results.push(false);
    console.log(`FAIL ${name}: ${String(e?.message ?? e).split('\n').slice(0, 12).join('\n     ')}`);
    return false;
  }
}
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
function finish() {
  const failed = results.filter((r) => !r).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

/** Runs a command to completion; throws with its output when it fails. */
function run(cmd, args, options) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, ...options });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}\n${output}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}\n${output}`);
  return { output, ms: Date.now() - started };
}

const project = path.join(workdir, 'project');
const installed = path.join(project, 'node_modules', 'netpol');
const started = Date.now();

const ok = check(`npm install ${path.basename(tarball)} into a fresh project`, () => {
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(path.join(project, 'package.json'),
    `${JSON.stringify({ name: 'netpol-consumer', private: true, type: 'module' }, null, 2)}\n`);
  const { ms } = run('npm', ['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts', tarball], { cwd: project });
  assert(existsSync(path.join(installed, 'package.json')), `no ${installed}/package.json`);
  return `${ms} ms, ${statSync(tarball).size} bytes packed`;
});
if (!ok) finish();

check('the installed package: the workspace version, ESM entry, types and exactly the listed files', () => {
  const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
  const cargo = readFileSync(path.join(repo, 'Cargo.toml'), 'utf8');
  const workspace = cargo.split(/^\[workspace\.package\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  const version = workspace.match(/^version\s*=\s*"([^"]+)"/m)?.[1];
  assert(pkg.name === 'netpol' && pkg.version === version, `${pkg.name}@${pkg.version}, the workspace is ${version}`);
  assert(pkg.type === 'module' && pkg.exports?.['.']?.types === './index.d.ts', `type ${pkg.type}, exports ${JSON.stringify(pkg.exports)}`);
  assert(Object.keys(pkg.dependencies ?? {}).length === 0, `dependencies ${JSON.stringify(pkg.dependencies)}`);
  const want = [...pkg.files, 'package.json'].sort();
  const have = readdirSync(installed).sort();
  assert(JSON.stringify(have) === JSON.stringify(want), `files ${JSON.stringify(have)}\n expected ${JSON.stringify(want)}`);
  for (const f of have) assert(statSync(path.join(installed, f)).size > 0, `${f} is empty`);
  const wasm = statSync(path.join(installed, 'netpol_wasm_bg.wasm')).size;
  return `netpol@${pkg.version}, ${have.length} files, .wasm ${wasm} bytes`;
});

for (const f of ['consumer.ts', 'tsconfig.json', 'run-consumer.mjs']) copyFileSync(path.join(here, f), path.join(project, f));
const typed = check('TypeScript: consumer.ts type-checks against the installed index.d.ts (module nodenext, skipLibCheck off)', () => {
  const { ms } = run(process.execPath, [opt.tsc, '-p', project]);
  assert(existsSync(path.join(project, 'consumer.js')), 'tsc emitted no consumer.js');
  return `${ms} ms`;
});

if (typed) {
  check('Node: the compiled consumer imports `netpol` by name and checks its answers (child process)', () => {
    const args = [path.join(project, 'run-consumer.mjs'), path.join(repo, 'examples', 'cluster.yaml')];
    if (opt.expectMatrix) args.push(opt.expectMatrix);
    const r = spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8', timeout: 120_000 });
    const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').map((l) => `  ${l}`).join('\n');
    console.log(lines);
    assert(r.status === 0, `the consumer exited ${r.status ?? r.signal}${r.error ? `: ${r.error.message}` : ''}`);
    const failures = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('FAIL'));
    assert(failures.length === 0 && /^ok {3}/m.test(r.stdout ?? ''), 'see the lines above');
    return opt.expectMatrix ? `matrix compared with ${path.basename(opt.expectMatrix)}` : 'no --expect-matrix: matrix checked by count only';
  });
}

console.log(`     ${Date.now() - started} ms in all`);
finish();
