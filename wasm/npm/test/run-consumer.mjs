// Runs the compiled consumer (consumer.ts, emitted by tsc into the test project beside this
// file) on files: node run-consumer.mjs CLUSTER.yaml [MATRIX.json]. Exit 1 when a check fails.
import { readFileSync } from 'node:fs';
import { main } from './consumer.js';

const [yamlPath, matrixPath] = process.argv.slice(2);
const yaml = readFileSync(yamlPath, 'utf8');
const expected = matrixPath ? JSON.parse(readFileSync(matrixPath, 'utf8')) : null;
const failed = await main(yaml, expected);
process.exitCode = failed === 0 ? 0 : 1;
