// What a user of the npm package writes, checked as it runs: node-test.mjs installs the packed
// package into a fresh project, type-checks this file against the package's index.d.ts
// (tsconfig.json beside it) and runs what tsc emitted (run-consumer.mjs passes the inputs). It
// uses no Node API so that it needs no @types/node.
import {
  load, Engine,
  type Explanation, type LoadError, type MatrixResult, type PodSelection, type PolicySelection, type Reach, type Verdict,
} from 'netpol';

const API = 'shop/api-7f6d5c8b9-4kx8m';
const FRONTEND = 'shop/frontend-6c8f9b7d4-2lmnp';
const POSTGRES = 'shop/postgres-0';

let failed = 0;

function check(name: string, fn: () => string | void): void {
  try {
    const detail = fn();
    console.log(`ok   ${name}${detail ? ` — ${detail}` : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const show = (value: unknown): string => JSON.stringify(value);

/** The message of what `fn` throws, checked to be an `Error`. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    assert(e instanceof Error, `threw ${show(e)}, not an Error`);
    return e;
  }
  throw new Error('did not throw');
}

/**
 * Runs every check on `yaml` (examples/cluster.yaml) and, when given, compares the whole truth
 * table with `expected` (`netpol matrix examples/cluster.yaml --port 8080 -o json`). Returns
 * the number of failed checks.
 */
export async function main(yaml: string, expected: MatrixResult | null): Promise<number> {
  const started = performance.now();
  await load();
  await load(); // a second call is the same promise, not a second instance
  console.log(`     load() took ${(performance.now() - started).toFixed(0)} ms`);

  const engine = new Engine(yaml);
  check('the example loads: pods, policies and the left-out pod as a warning', () => {
    assert(engine.pods.length === 8, `pods ${show(engine.pods)}`);
    assert(engine.pods.includes(POSTGRES), `no ${POSTGRES} in ${show(engine.pods)}`);
    assert(engine.policies.includes('shop/default-deny'), `policies ${show(engine.policies)}`);
    assert(engine.warnings.some((w) => w.includes('db-migrate')), `warnings ${show(engine.warnings)}`);
    const problem = engine.warningProblems.find((p) => p.field === 'status.phase');
    assert(problem !== undefined && typeof problem.line === 'number', `warningProblems ${show(engine.warningProblems)}`);
    return `${engine.pods.length} pods, ${engine.policies.length} policies, warning at line ${problem.line}`;
  });

  check('decide: api -> postgres on 5432/TCP is allowed (as `netpol check` says)', () => {
    const v: Verdict = engine.decide(API, POSTGRES, 5432, 'TCP');
    assert(v.allowed && v.egress && v.ingress, show(v));
    assert(v.families.ipv4 === true, `families ${show(v.families)}`);
  });

  check('decide: frontend -> postgres on 5432/TCP and frontend -> 203.0.113.10 on 443 are denied', () => {
    const v = engine.decide(FRONTEND, POSTGRES, 5432, 'TCP');
    assert(!v.allowed && !v.egress && !v.ingress, show(v));
    const out = engine.decide(FRONTEND, '203.0.113.10', 443, 'tcp');
    assert(!out.allowed && !out.egress && out.ingress, show(out));
  });

  check('explain: the admitting rules of an allowed pair, the isolating policies of a denied one', () => {
    const yes: Explanation = engine.explain(API, POSTGRES, 5432, 'TCP');
    assert(yes.allowed && yes.egress.reason === 'admitted', show(yes.egress));
    assert(show(yes.egress.admitted_by.map((r) => r.path)) === show(['spec.egress[0].to[0] + spec.egress[0].ports[0]']),
      `egress admitted_by ${show(yes.egress.admitted_by)}`);
    assert(yes.ingress.admitted_by[0]?.policy === 'shop/postgres-from-api', `ingress admitted_by ${show(yes.ingress.admitted_by)}`);
    assert(yes.text.startsWith(`ALLOWED: ${API} -> ${POSTGRES} on 5432/TCP\n`), `text ${show(yes.text)}`);
    const no = engine.explain(FRONTEND, POSTGRES, 5432, 'TCP');
    assert(!no.allowed && no.ingress.reason === 'no-rule-admits', show(no.ingress));
    assert(no.ingress.isolating_policies.includes('shop/default-deny'), `isolating ${show(no.ingress.isolating_policies)}`);
    assert(no.ingress.not_admitting.some((m) => m.policy === 'shop/postgres-from-api' && !m.peer_matched),
      `not_admitting ${show(no.ingress.not_admitting)}`);
    return no.text.split('\n')[0];
  });

  check(expected ? 'matrix on 8080/TCP: every cell equals `netpol matrix -o json`' : 'matrix on 8080/TCP', () => {
    const m: MatrixResult = engine.matrix(8080, 'TCP');
    assert(m.port === 8080 && m.protocol === 'TCP', `port/protocol ${m.port}/${m.protocol}`);
    assert(show(m.pods) === show(engine.pods), `pods ${show(m.pods)}`);
    assert(m.allowed.length === m.pods.length && m.allowed.every((row) => row.length === m.pods.length), 'not square');
    const allowed = m.allowed.flat().filter(Boolean).length;
    if (expected) {
      assert(show(m.pods) === show(expected.pods), `pods ${show(m.pods)}\n expected ${show(expected.pods)}`);
      const wrong: string[] = [];
      m.pods.forEach((src, i) => m.pods.forEach((dst, j) => {
        if (m.allowed[i]![j] !== expected.allowed[i]![j]) wrong.push(`${src} -> ${dst}: ${m.allowed[i]![j]}`);
      }));
      assert(wrong.length === 0, `cells differ: ${wrong.join('; ')}`);
    } else {
      assert(allowed === 12, `${allowed} of 64 pairs allowed, the README says 12`);
    }
    return `${allowed} of ${m.pods.length ** 2} pod pairs allowed`;
  });

  check('connectivity: api -> postgres on 5432/TCP among the pairs', () => {
    const c = engine.connectivity();
    const pair = c.pairs.find((p) => p.from === API && p.to === POSTGRES);
    assert(show(pair?.ports) === show({ TCP: ['5432'] }), `pair ${show(pair)}`);
  });

  check('reach: who may reach postgres (the api deployment on 5432/TCP, prometheus)', () => {
    const r: Reach = engine.reach(POSTGRES, 'to');
    const groups = r.parts.flatMap((p) => p.peers.map((peer) => `${peer.group} ${peer.label}`));
    assert(groups.includes('shop/deployment/api 5432/TCP'), `peers ${show(groups)}`);
    assert(groups.some((g) => g.startsWith('monitoring/statefulset/prometheus ')), `peers ${show(groups)}`);
    assert(r.statement.includes('not reachable from outside the cluster'), `statement ${show(r.statement)}`);
    const from = engine.reach('shop/deployment/frontend', 'from');
    assert(from.subject.kind === 'workload' && from.subject.pods.length === 2, `subject ${show(from.subject)}`);
    return r.statement;
  });

  check('selectPod: the policies selecting postgres and the rules naming it', () => {
    const s: PodSelection = engine.selectPod(POSTGRES);
    assert(s.pod === POSTGRES, `pod ${s.pod}`);
    assert(show(s.ingress) === show(['shop/allow-monitoring', 'shop/default-deny', 'shop/postgres-from-api']), `ingress ${show(s.ingress)}`);
    assert(show(s.egress) === show(['shop/allow-dns', 'shop/default-deny']), `egress ${show(s.egress)}`);
    const peerOf = s.peer_of.map((p) => `${p.policy} ${p.direction} ${p.path}`);
    assert(peerOf.includes('NetworkPolicy shop/api-to-postgres Egress spec.egress[0].to[0]'), `peer_of ${show(peerOf)}`);
  });

  check('selectPolicy: the pods shop/postgres-from-api selects and admits', () => {
    const s: PolicySelection = engine.selectPolicy('shop/postgres-from-api');
    assert(s.policy === 'NetworkPolicy shop/postgres-from-api', `policy ${s.policy}`);
    assert(show(s.directions) === show(['Ingress']) && show(s.selects) === show([POSTGRES]), show(s));
    const admitted = s.rules[0]?.peers[0]?.pods ?? [];
    assert(show(admitted) === show(['shop/api-7f6d5c8b9-4kx8m', 'shop/api-7f6d5c8b9-v7p2s']), `admits ${show(admitted)}`);
  });

  check('unknown pods and policies throw Errors naming them', () => {
    const pod = thrown(() => engine.selectPod('shop/nope'));
    assert(pod.message.includes('"shop/nope": no such pod'), pod.message);
    const policy = thrown(() => engine.selectPolicy('shop/nope'));
    assert(policy.message === 'no policy "shop/nope" (a NetworkPolicy is namespace/name; a cluster policy its name)', policy.message);
    const left = thrown(() => engine.decide('shop/db-migrate-28571340-5xq2d', POSTGRES, 5432, 'TCP'));
    assert(left.message.includes('was left out'), left.message);
    const port = thrown(() => engine.decide(API, POSTGRES, 0, 'TCP'));
    assert(port.message === 'port 0 is not between 1 and 65535', port.message);
  });

  check('bad input throws an Error naming the problem: a policy field with its line, YAML syntax, options', () => {
    const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\n'
      + 'spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/99}\n';
    const e = thrown(() => new Engine(policy)) as LoadError;
    assert(e.message.includes('spec.ingress[0].from[0].ipBlock.cidr'), e.message);
    const p = e.problems[0];
    assert(p?.field === 'spec.ingress[0].from[0].ipBlock.cidr' && p.line === 8 && p.object === 'NetworkPolicy x/p',
      `problems ${show(e.problems)}`);
    const syntax = thrown(() => new Engine('kind: Pod\nmetadata: {name: [\n')) as LoadError;
    assert(syntax.problems.length > 0 && typeof syntax.problems[0]?.line === 'number', `problems ${show(syntax.problems)}`);
    const options = thrown(() => new Engine('', { tie: 'coin-flip' as 'error' }));
    assert(options.message.startsWith('options.tie: "coin-flip"'), options.message);
    return `${e.message.split('\n')[0]} | ${syntax.message.split('\n')[0]}`;
  });

  check('an empty text is an empty cluster; options are read', () => {
    assert(new Engine('').pods.length === 0, 'pods in an empty text');
    const evaluated = new Engine(yaml, { selfTraffic: 'evaluate', strict: true });
    const self = evaluated.decide(POSTGRES, POSTGRES, 8080, 'TCP');
    assert(!self.allowed, `self traffic with selfTraffic "evaluate": ${show(self)}`);
  });

  engine.free();
  return failed;
}
