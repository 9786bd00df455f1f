// @ts-check
// The bundled examples of the playground: { id, title, port, protocol, text }.
// `cluster` is a verbatim copy of the repository's examples/cluster.yaml (the browser test fails
// when they differ); refresh it with:
//   node -e 'const fs=require("fs"),p="wasm/playground/examples/examples.js",s=fs.readFileSync(p,"utf8");fs.writeFileSync(p,s.replace(/^const CLUSTER = .*$/m,()=>"const CLUSTER = "+JSON.stringify(fs.readFileSync("examples/cluster.yaml","utf8"))+";"))'
const CLUSTER = "# A small production-like cluster, as `kubectl get namespaces,pods,networkpolicies -A -o yaml` prints it.\n# - shop: default-deny for ingress and egress, DNS egress to kube-system's CoreDNS, internet -> frontend\n#   (ipBlock 0.0.0.0/0 except private ranges) -> api -> postgres on named ports, api egress to a\n#   payment provider's range 203.0.113.0/24 except 203.0.113.128/25, Prometheus scraping allowed.\n# - kube-system: default-deny ingress, DNS open to every namespace, CoreDNS metrics to monitoring.\n# - monitoring: default-deny ingress; Prometheus may reach anything it scrapes (no egress policy).\n# - a finished migration Job pod (phase Succeeded) that netpol leaves out and reports.\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: kube-system\n    labels:\n      kubernetes.io/metadata.name: kube-system\n    resourceVersion: '1'\n    uid: ns-kube-system\n  spec:\n    finalizers:\n    - kubernetes\n  status:\n    phase: Active\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: shop\n    labels:\n      kubernetes.io/metadata.name: shop\n      team: shop\n      environment: production\n    resourceVersion: '1'\n    uid: ns-shop\n  spec:\n    finalizers:\n    - kubernetes\n  status:\n    phase: Active\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: monitoring\n    labels:\n      kubernetes.io/metadata.name: monitoring\n      team: platform\n    resourceVersion: '1'\n    uid: ns-monitoring\n  spec:\n    finalizers:\n    - kubernetes\n  status:\n    phase: Active\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: coredns-5d78c9869d-7xk2p\n    namespace: kube-system\n    labels:\n      k8s-app: kube-dns\n      pod-template-hash: 5d78c9869d\n    resourceVersion: '101'\n    uid: pod-1\n  spec:\n    containers:\n    - name: coredns\n      image: registry.k8s.io/coredns/coredns:v1.11.3\n      ports:\n      - name: dns\n        containerPort: 53\n        protocol: UDP\n      - name: dns-tcp\n        containerPort: 53\n        protocol: TCP\n      - name: metrics\n        containerPort: 9153\n        protocol: TCP\n    nodeName: node-1\n    restartPolicy: Always\n  status:\n    phase: Running\n    hostIP: 192.168.10.11\n    podIP: 10.244.0.10\n    podIPs:\n    - ip: 10.244.0.10\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: coredns-5d78c9869d-q9w4z\n    namespace: kube-system\n    labels:\n      k8s-app: kube-dns\n      pod-template-hash: 5d78c9869d\n    resourceVersion: '102'\n    uid: pod-2\n  spec:\n    containers:\n    - name: coredns\n      image: registry.k8s.io/coredns/coredns:v1.11.3\n      ports:\n      - name: dns\n        containerPort: 53\n        protocol: UDP\n      - name: dns-tcp\n        containerPort: 53\n        protocol: TCP\n      - name: metrics\n        containerPort: 9153\n        protocol: TCP\n    nodeName: node-2\n    restartPolicy: Always\n  status:\n    phase: Running\n    hostIP: 192.168.10.11\n    podIP: 10.244.1.10\n    podIPs:\n    - ip: 10.244.1.10\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: frontend-6c8f9b7d4-2lmnp\n    namespace: shop\n    labels:\n      app: frontend\n      tier: web\n      pod-template-hash: 6c8f9b7d4\n    resourceVersion: '103'\n    uid: pod-3\n  spec:\n    containers:\n    - name: frontend\n      image: ghcr.io/example/shop-frontend:2.4.1\n      ports:\n      - name: http\n        containerPort: 8080\n        protocol: TCP\n      - name: metrics\n        containerPort: 9090\n        protocol: TCP\n    nodeName: node-1\n    restartPolicy: Always\n  status:\n    phase: Running\n    hostIP: 192.168.10.11\n    podIP: 10.244.1.21\n    podIPs:\n    - ip: 10.244.1.21\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: frontend-6c8f9b7d4-8hq7r\n    namespace: shop\n    labels:\n      app: frontend\n      tier: web\n      pod-template-hash: 6c8f9b7d4\n    resourceVersion: '104'\n    uid: pod-4\n  spec:\n    containers:\n    - name: frontend\n      image: ghcr.io/example/shop-frontend:2.4.1\n      ports:\n      - name: http\n        containerPort: 8080\n        protocol: TCP\n      - name: metrics\n        containerPort: 9090\n        protocol: TCP\n    nodeName: node-2\n    restartPolicy: Always\n  status:\n    phase: Running\n    hostIP: 192.168.10.11\n    podIP: 10.244.2.22\n    podIPs:\n    - ip: 10.244.2.22\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: api-7f6d5c8b9-4kx8m\n    namespace: shop\n    labels:\n      app: api\n      tier: backend\n      pod-template-hash: 7f6d5c8b9\n    resourceVersion: '105'\n    uid: pod-5\n  spec:\n    containers:\n    - name: api\n      image: ghcr.io/example/shop-api:3.1.0\n      ports:\n      - name: http\n        containerPort: 8080\n        protocol: TCP\n      - name: metrics\n        containerPort: 9090\n        protocol: TCP\n    nodeName: node-1\n    restartPolicy: Always\n  status:\n    phase: Running\n    hostIP: 192.168.10.11\n    podIP: 10.244.1.31\n    podIPs:\n    - ip: 10.244.1.31\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: api-7f6d5c8b9-v7p2s\n    namespace: shop\n    labels:\n      app: api\n      tier: backend\n      pod-template-hash: 7f6d5c8b9\n    resourceVersion: '106'\n    uid: pod-6\n  spec:\n    containers:\n    - name: api\n      image: ghcr.io/example/shop-api:3.1.0\n      ports:\n      - name: http\n        containerPort: 8080\n        protocol: TCP\n      - name: metrics\n        containerPort: 9090\n        protocol: TCP\n    nodeName: node-2\n    restartPolicy: Always\n  status:\n    phase: Running\n    hostIP: 192.168.10.11\n    podIP: 10.244.2.32\n    podIPs:\n    - ip: 10.244.2.32\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: postgres-0\n    namespace: shop\n    labels:\n      app: postgres\n      tier: database\n      statefulset.kubernetes.io/pod-name: postgres-0\n    resourceVersion: '107'\n    uid: pod-7\n  spec:\n    containers:\n    - name: postgres\n      image: postgres:16\n      ports:\n      - name: postgres\n        containerPort: 5432\n        protocol: TCP\n      - name: metrics\n        containerPort: 9187\n        protocol: TCP\n    nodeName: node-1\n    restartPolicy: Always\n  status:\n    phase: Running\n    hostIP: 192.168.10.11\n    podIP: 10.244.2.41\n    podIPs:\n    - ip: 10.244.2.41\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: db-migrate-28571340-5xq2d\n    namespace: shop\n    labels:\n      job-name: db-migrate-28571340\n      app: db-migrate\n    resourceVersion: '108'\n    uid: pod-8\n  spec:\n    containers:\n    - name: db\n      image: ghcr.io/example/shop-api:3.1.0\n      ports: []\n    nodeName: node-2\n    restartPolicy: Always\n  status:\n    phase: Succeeded\n    hostIP: 192.168.10.11\n    podIP: 10.244.1.51\n    podIPs:\n    - ip: 10.244.1.51\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: prometheus-0\n    namespace: monitoring\n    labels:\n      app: prometheus\n      statefulset.kubernetes.io/pod-name: prometheus-0\n    resourceVersion: '109'\n    uid: pod-9\n  spec:\n    containers:\n    - name: prometheus\n      image: quay.io/prometheus/prometheus:v2.54.1\n      ports:\n      - name: web\n        containerPort: 9090\n        protocol: TCP\n    nodeName: node-1\n    restartPolicy: Always\n  status:\n    phase: Running\n    hostIP: 192.168.10.11\n    podIP: 10.244.0.61\n    podIPs:\n    - ip: 10.244.0.61\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: default-deny\n    namespace: shop\n    resourceVersion: '500'\n    uid: np-shop-default-deny\n  spec:\n    podSelector: {}\n    policyTypes:\n    - Ingress\n    - Egress\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: allow-dns\n    namespace: shop\n    resourceVersion: '500'\n    uid: np-shop-allow-dns\n  spec:\n    podSelector: {}\n    policyTypes:\n    - Egress\n    egress:\n    - to:\n      - namespaceSelector:\n          matchLabels:\n            kubernetes.io/metadata.name: kube-system\n        podSelector:\n          matchLabels:\n            k8s-app: kube-dns\n      ports:\n      - protocol: UDP\n        port: 53\n      - protocol: TCP\n        port: 53\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: frontend-from-internet\n    namespace: shop\n    resourceVersion: '500'\n    uid: np-shop-frontend-from-internet\n  spec:\n    podSelector:\n      matchLabels:\n        app: frontend\n    policyTypes:\n    - Ingress\n    ingress:\n    - from:\n      - ipBlock:\n          cidr: 0.0.0.0/0\n          except:\n          - 10.0.0.0/8\n          - 172.16.0.0/12\n          - 192.168.0.0/16\n      ports:\n      - port: http\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: frontend-to-api\n    namespace: shop\n    resourceVersion: '500'\n    uid: np-shop-frontend-to-api\n  spec:\n    podSelector:\n      matchLabels:\n        app: frontend\n    policyTypes:\n    - Egress\n    egress:\n    - to:\n      - podSelector:\n          matchLabels:\n            app: api\n      ports:\n      - protocol: TCP\n        port: 8080\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: api-from-frontend\n    namespace: shop\n    resourceVersion: '500'\n    uid: np-shop-api-from-frontend\n  spec:\n    podSelector:\n      matchLabels:\n        app: api\n    policyTypes:\n    - Ingress\n    ingress:\n    - from:\n      - podSelector:\n          matchLabels:\n            app: frontend\n      ports:\n      - port: http\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: api-to-postgres\n    namespace: shop\n    resourceVersion: '500'\n    uid: np-shop-api-to-postgres\n  spec:\n    podSelector:\n      matchLabels:\n        app: api\n    policyTypes:\n    - Egress\n    egress:\n    - to:\n      - podSelector:\n          matchLabels:\n            app: postgres\n      ports:\n      - port: 5432\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: api-to-payments\n    namespace: shop\n    resourceVersion: '500'\n    uid: np-shop-api-to-payments\n  spec:\n    podSelector:\n      matchLabels:\n        app: api\n    policyTypes:\n    - Egress\n    egress:\n    - to:\n      - ipBlock:\n          cidr: 203.0.113.0/24\n          except:\n          - 203.0.113.128/25\n      ports:\n      - port: 443\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: postgres-from-api\n    namespace: shop\n    resourceVersion: '500'\n    uid: np-shop-postgres-from-api\n  spec:\n    podSelector:\n      matchLabels:\n        app: postgres\n    policyTypes:\n    - Ingress\n    ingress:\n    - from:\n      - podSelector:\n          matchExpressions:\n          - key: app\n            operator: In\n            values:\n            - api\n            - db-migrate\n      ports:\n      - port: postgres\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: allow-monitoring\n    namespace: shop\n    resourceVersion: '500'\n    uid: np-shop-allow-monitoring\n  spec:\n    podSelector: {}\n    policyTypes:\n    - Ingress\n    ingress:\n    - from:\n      - namespaceSelector:\n          matchLabels:\n            kubernetes.io/metadata.name: monitoring\n        podSelector:\n          matchLabels:\n            app: prometheus\n      ports:\n      - port: 9090\n      - port: 9100\n        endPort: 9199\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: default-deny-ingress\n    namespace: kube-system\n    resourceVersion: '500'\n    uid: np-kube-system-default-deny-ingress\n  spec:\n    podSelector: {}\n    policyTypes:\n    - Ingress\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: dns-from-cluster\n    namespace: kube-system\n    resourceVersion: '500'\n    uid: np-kube-system-dns-from-cluster\n  spec:\n    podSelector:\n      matchLabels:\n        k8s-app: kube-dns\n    ingress:\n    - from:\n      - namespaceSelector: {}\n      ports:\n      - port: dns\n        protocol: UDP\n      - port: dns-tcp\n        protocol: TCP\n    - from:\n      - namespaceSelector:\n          matchLabels:\n            kubernetes.io/metadata.name: monitoring\n      ports:\n      - port: metrics\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: default-deny-ingress\n    namespace: monitoring\n    resourceVersion: '500'\n    uid: np-monitoring-default-deny-ingress\n  spec:\n    podSelector: {}\n    policyTypes:\n    - Ingress\nkind: List\nmetadata:\n  resourceVersion: ''\n";

const DEFAULT_DENY = `# Default deny: one policy with an empty podSelector and no ingress rules
# isolates every pod of its namespace for ingress and admits nothing.
# - demo: web, api and db can no longer be reached, not even from each other.
# - Egress is not isolated (no policy has policyTypes Egress), and the
#   namespace "other" has no policy: its pod still accepts everything.
# Click a red cell to see the isolating policy.
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: demo, labels: {app: web}}
spec:
  containers:
  - {name: web, image: nginx, ports: [{containerPort: 80}]}
status: {phase: Running, podIP: 10.1.0.10}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: demo, labels: {app: api}}
spec:
  containers:
  - {name: api, image: example/api, ports: [{containerPort: 80}]}
status: {phase: Running, podIP: 10.1.0.11}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: demo, labels: {app: db}}
spec:
  containers:
  - {name: db, image: postgres, ports: [{containerPort: 5432}]}
status: {phase: Running, podIP: 10.1.0.12}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: other, labels: {app: client}}
spec:
  containers:
  - {name: client, image: curl}
status: {phase: Running, podIP: 10.1.1.10}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: demo}
spec:
  podSelector: {}          # every pod in demo
  policyTypes: [Ingress]   # isolated for ingress; no ingress rules: nothing admitted
`;

const ALLOW_FROM_NAMESPACE = `# Allow from a namespace: prod/api accepts port 8080 only from pods in
# namespaces labelled team=platform (here: monitoring).
# - monitoring/prometheus -> prod/api: allowed.
# - dev/tester -> prod/api: denied (dev lacks the label).
# - prod/web -> prod/api: denied too! A namespaceSelector alone never
#   selects the policy's own namespace unless that namespace has the label.
# - Port 9090 (try it): nobody reaches prod/api, its rule lists only 8080.
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring, labels: {team: platform}}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: prod, labels: {app: api}}
spec:
  containers:
  - {name: api, image: example/api, ports: [{name: http, containerPort: 8080}]}
status: {phase: Running, podIP: 10.2.0.10}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: web}}
spec:
  containers:
  - {name: web, image: example/web, ports: [{containerPort: 8080}]}
status: {phase: Running, podIP: 10.2.0.11}
---
apiVersion: v1
kind: Pod
metadata: {name: tester, namespace: dev, labels: {app: tester}}
spec:
  containers:
  - {name: tester, image: curl}
status: {phase: Running, podIP: 10.2.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: prometheus, namespace: monitoring, labels: {app: prometheus}}
spec:
  containers:
  - {name: prometheus, image: prom/prometheus, ports: [{containerPort: 9090}]}
status: {phase: Running, podIP: 10.2.2.10}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-platform, namespace: prod}
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {team: platform}
    ports:
    - {protocol: TCP, port: 8080}
`;

const ADMIN_TIERS = `# Admin tiers (ClusterNetworkPolicy, policy.networking.k8s.io/v1alpha2): per
# direction, the Admin tier first, then NetworkPolicies, then the Baseline tier.
# - Admin "protect-db" (priority 10): ingress to db pods: Pass from namespaces
#   labelled team=shop (on to the tiers below), Deny from every other namespace.
# - Baseline "shop-default-deny" (priority 5): ingress to shop pods: Deny all.
#   NetworkPolicies override it: shop/db-from-api admits api on 5432.
# - ops/tool -> shop/db: denied by the admin tier (click the cell).
# - shop/api -> shop/db: passed, then admitted by the NetworkPolicy.
# - shop/web -> shop/db: passed, then denied: the NetworkPolicy isolates db.
# - anyone -> shop/web: denied by the baseline tier (no NetworkPolicy selects web).
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: ops}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec:
  containers:
  - {name: db, image: postgres, ports: [{name: pg, containerPort: 5432}]}
status: {phase: Running, podIP: 10.3.0.10}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  containers:
  - {name: api, image: example/api, ports: [{containerPort: 5432}]}
status: {phase: Running, podIP: 10.3.0.11}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers:
  - {name: web, image: example/web, ports: [{containerPort: 5432}]}
status: {phase: Running, podIP: 10.3.0.12}
---
apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: ops, labels: {app: tool}}
spec:
  containers:
  - {name: tool, image: example/tool, ports: [{containerPort: 5432}]}
status: {phase: Running, podIP: 10.3.1.10}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: protect-db}
spec:
  tier: Admin
  priority: 10
  subject:
    pods:
      namespaceSelector: {}
      podSelector: {matchLabels: {app: db}}
  ingress:
  - name: shop-decides
    action: Pass
    from: [{namespaces: {matchLabels: {team: shop}}}]
  - name: nobody-else
    action: Deny
    from: [{namespaces: {}}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: shop-default-deny}
spec:
  tier: Baseline
  priority: 5
  subject: {namespaces: {matchLabels: {team: shop}}}
  ingress:
  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: db}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{port: pg}]
`;

/** @typedef {{ id: string, title: string, port: number, protocol: 'TCP' | 'UDP' | 'SCTP', text: string }} Example */

/** @type {readonly Example[]} */
export const EXAMPLES = [
  { id: "cluster", title: "Shop cluster (examples/cluster.yaml)", port: 8080, protocol: "TCP", text: CLUSTER },
  { id: "default-deny", title: "Default deny (ingress)", port: 80, protocol: "TCP", text: DEFAULT_DENY },
  { id: "allow-from-namespace", title: "Allow from a namespace", port: 8080, protocol: "TCP", text: ALLOW_FROM_NAMESPACE },
  { id: "admin-tiers", title: "Admin tiers (ClusterNetworkPolicy)", port: 5432, protocol: "TCP", text: ADMIN_TIERS },
];
