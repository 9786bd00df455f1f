#!/usr/bin/env python3
"""Writes examples/watch/ from examples/cluster.yaml: a watch stream in the shape
`kubectl get namespaces,pods,networkpolicies -A -o json --watch --output-watch-events` prints
(pretty JSON events, one after another), the manifests "kept in Git" (desired/), and a live dump
that drifted from them. Deterministic; rerun after changing cluster.yaml:

    python3 scripts/watch-example.py
"""
import copy
import json
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "watch"
cluster = yaml.safe_load((ROOT / "examples" / "cluster.yaml").read_text())
items = cluster["items"]


def find(kind, namespace, name):
    for item in items:
        meta = item["metadata"]
        if item["kind"] == kind and meta["name"] == name and meta.get("namespace") == namespace:
            return copy.deepcopy(item)
    raise KeyError((kind, namespace, name))


version = [1000]


def stamped(obj):
    version[0] += 1
    obj["metadata"]["resourceVersion"] = str(version[0])
    return obj


def event(kind, obj):
    return json.dumps({"type": kind, "object": stamped(obj)}, indent=4)


def new_pod(old_name, name, ip, node):
    pod = find("Pod", "shop", old_name)
    pod["metadata"]["name"] = name
    pod["metadata"]["labels"]["pod-template-hash"] = "5b9c7d6f4"
    pod["metadata"]["uid"] = "pod-" + name
    pod["metadata"]["ownerReferences"] = [{
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-5b9c7d6f4",
        "uid": "rs-api-5b9c7d6f4", "controller": True, "blockOwnerDeletion": True,
    }]
    pod["spec"]["containers"][0]["image"] = "ghcr.io/example/shop-api:3.2.0"
    pod["spec"]["nodeName"] = node
    pending = copy.deepcopy(pod)
    pending["status"] = {"phase": "Pending", "hostIP": "192.168.10.11"}
    running = copy.deepcopy(pod)
    running["status"] = {"phase": "Running", "hostIP": "192.168.10.11", "podIP": ip, "podIPs": [{"ip": ip}]}
    return pending, running


docs = []
# A rollout: the api Deployment moves to a new ReplicaSet (new pod-template-hash), pod by pod.
for old, new, ip, node in [
    ("api-7f6d5c8b9-4kx8m", "api-5b9c7d6f4-x2k9q", "10.244.1.33", "node-1"),
    ("api-7f6d5c8b9-v7p2s", "api-5b9c7d6f4-p7w3z", "10.244.2.34", "node-2"),
]:
    pending, running = new_pod(old, new, ip, node)
    docs.append(event("ADDED", pending))
    docs.append(event("MODIFIED", running))
    docs.append(event("DELETED", find("Pod", "shop", old)))
docs.append(json.dumps({"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1",
                                                         "metadata": {"resourceVersion": "1010"}}}, indent=4))
# A policy edit that opens the database to every namespace...
policy = find("NetworkPolicy", "shop", "postgres-from-api")
policy["spec"]["ingress"][0]["from"].append({"namespaceSelector": {}})
docs.append(event("MODIFIED", copy.deepcopy(policy)))
# ... narrowed to production namespaces, and a namespace relabelled into production.
policy["spec"]["ingress"][0]["from"][-1] = {"namespaceSelector": {"matchLabels": {"environment": "production"}}}
docs.append(event("MODIFIED", copy.deepcopy(policy)))
monitoring = find("Namespace", None, "monitoring")
monitoring["metadata"]["labels"]["environment"] = "production"
docs.append(event("MODIFIED", monitoring))
# A policy deleted and re-created.
deny = find("NetworkPolicy", "shop", "default-deny")
docs.append(event("DELETED", copy.deepcopy(deny)))
docs.append(event("ADDED", copy.deepcopy(deny)))
# A kind netpol does not read, then bad events: a malformed document, a DELETED of an object never
# seen, an ERROR (the watch expired), then a full listing to resync and a stream cut mid-object.
docs.append(event("ADDED", {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                            "metadata": {"name": "api-5b9c7d6f4", "namespace": "shop"}}))
docs.append('{"type": "MODIFIED" "object": {"kind": "Pod"}}')
docs.append(event("DELETED", {"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": "api-7f6d5c8b9-zzzzz", "namespace": "shop"}}))
docs.append(json.dumps({"type": "ERROR", "object": {
    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
    "message": "too old resource version: 1001 (1017)", "reason": "Expired", "code": 410}}, indent=4))
listing = copy.deepcopy(cluster)
listing["items"] = [i for i in listing["items"]
                    if not (i["kind"] == "Pod" and i["metadata"]["name"].startswith("db-migrate"))]
docs.append(json.dumps(listing, indent=4))
docs.append('{\n    "type": "ADDED",\n    "object": {\n        "kind": "Pod",\n        "metadata": {\n')
(OUT / "stream.json").write_text("\n".join(docs))

# The manifests kept in Git: the example's policies.
policies = [i for i in items if i["kind"] == "NetworkPolicy"]
for p in policies:
    for key in ("resourceVersion", "uid"):
        p["metadata"].pop(key, None)
(OUT / "desired" / "policies.yaml").write_text(
    "# The NetworkPolicies of examples/cluster.yaml, as kept in Git.\n"
    + yaml.safe_dump_all(policies, sort_keys=False))

# A live dump that drifted: the database opened to every namespace by hand, a debug policy added.
drifted = copy.deepcopy(cluster)
for item in drifted["items"]:
    if item["kind"] == "NetworkPolicy" and item["metadata"]["name"] == "postgres-from-api":
        item["spec"]["ingress"][0]["from"].append({"namespaceSelector": {}})
drifted["items"].append({
    "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
    "metadata": {"name": "debug-allow-all", "namespace": "shop"},
    "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{}]},
})
(OUT / "live-drifted.json").write_text(json.dumps(drifted, indent=4) + "\n")
