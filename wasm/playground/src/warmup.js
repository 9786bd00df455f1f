// @ts-check
// V8 compiles a wasm function when it first runs: the first cluster compiled costs ~150 ms more
// than the next ones. While the page is still loading, run a small cluster that takes the same
// code paths (YAML block and flow styles, a List, every kind, named ports, ipBlocks, selectors),
// so that loading the first real input is as quick as any later one.
/** @import { EngineOptions } from '../pkg/netpol_wasm.js' */
import { Engine } from '../pkg/netpol_wasm.js';

const WARM_UP = `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: w, labels: {team: x}}}
- apiVersion: v1
  kind: Pod
  metadata: {name: a-5d78c9869d-7xk2p, namespace: w, labels: {app: a}}
  spec:
    containers:
    - name: c
      ports:
      - {name: http, containerPort: 8080, protocol: TCP}
  status: {phase: Running, podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: b, namespace: w, labels: {app: b}}
  spec: {containers: [{name: c}]}
  status: {phase: Succeeded, podIP: 10.0.0.2}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: p, namespace: w}
  spec:
    podSelector: {}
    policyTypes: [Ingress, Egress]
    ingress:
    - from:
      - namespaceSelector: {matchLabels: {team: x}}
        podSelector:
          matchExpressions: [{key: app, operator: In, values: [a]}]
      - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}
      ports: [{port: http}, {port: 9100, endPort: 9199, protocol: TCP}]
    egress:
    - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
      ports: [{port: 443}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: q
  namespace: w
spec:
  podSelector:
    matchLabels:
      app: a
`;

/**
 * Run every Engine call once on a small cluster, and the error path once.
 * @param {EngineOptions} options
 */
export function warmUp(options) {
  const e = new Engine(WARM_UP, options);
  const pods = e.pods;
  e.matrix(8080, 'TCP');
  e.explain(pods[0], pods[0], 8080, 'TCP');
  e.explain('10.9.9.9', pods[0], 9100, 'TCP');
  e.reach(pods[0], 'to');
  e.reach(pods[0], 'from');
  void e.policies;
  void e.warningProblems;
  e.free();
  try { new Engine('a: [', undefined).free(); } catch { /* the error path, on purpose */ }
}
