#!/usr/bin/env python3
"""Writes a large Hubble flow export (`hubble observe -o json` lines) for a cluster, to measure
`netpol flows`:

    target/release/netpol generate --namespaces 20 --pods-per-namespace 50 --policies 200 > /tmp/c.yaml
    target/release/netpol connectivity /tmp/c.yaml -o json > /tmp/conn.json
    scripts/gen-flows.py /tmp/c.yaml 1000000 1 /tmp/conn.json > /tmp/flows.jsonl
    time target/release/netpol flows /tmp/c.yaml --flows /tmp/flows.jsonl > /dev/null

Deterministic (seeded). Each pod talks to a few fixed peers on their container ports, as
services do; given the connectivity map, only to peers and ports the policies allow (so the
traffic is what a running cluster shows), with one record in 200 to a peer that is denied; the mix adds internet clients, replies, DROPPED records, ICMP and pods gone since
(a different pod-template-hash, matched by labels).
"""

import json
import random
import sys
import zlib

import yaml


def open_port(ports, number, protocol):
    spec = ports.get(protocol)
    if spec == "all":
        return True
    for r in spec or []:
        first, _, last = r.partition("-")
        if int(first) <= number <= int(last or first):
            return True
    return False


def main():
    cluster_path, count = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = random.Random(seed)
    with open(cluster_path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    items = []
    for d in docs:
        items.extend(d.get("items", [d]))
    pods = []
    for o in items:
        if o.get("kind") != "Pod" or not o.get("status", {}).get("podIP"):
            continue
        m = o["metadata"]
        ports = [
            (p["containerPort"], p.get("protocol", "TCP"))
            for c in o["spec"].get("containers", [])
            for p in c.get("ports", []) or []
        ] or [(8080, "TCP")]
        pods.append((m["namespace"], m["name"], o["status"]["podIP"], m.get("labels", {}), ports))
    peers = {i: rng.sample(range(len(pods)), min(3, len(pods))) for i in range(len(pods))}
    allowed = {}
    if len(sys.argv) > 4:
        index = {"%s/%s" % (p[0], p[1]): i for i, p in enumerate(pods)}
        with open(sys.argv[4]) as f:
            for pair in json.load(f)["pairs"]:
                s, d = index.get(pair["from"]), index.get(pair["to"])
                if s is None or d is None or s == d:
                    continue
                ports = [(n, proto) for n, proto in pods[d][4] if open_port(pair["ports"], n, proto)]
                if ports:
                    allowed.setdefault(s, []).append((d, ports))
        for s in allowed:
            allowed[s] = rng.sample(allowed[s], min(3, len(allowed[s])))
    sources = sorted(allowed) or list(range(len(pods)))

    def endpoint(p, name=None):
        ns, pod, _, labels, _ = p
        ls = ["k8s:%s=%s" % kv for kv in sorted(labels.items()) if kv[0] != "pod-template-hash"]
        ls += ["k8s:io.kubernetes.pod.namespace=" + ns, "k8s:io.cilium.k8s.policy.cluster=default"]
        ids = zlib.crc32(pod.encode()), zlib.crc32(ns.encode())
        return {"ID": 1000 + ids[0] % 3000, "identity": 20000 + ids[1] % 40000, "namespace": ns,
                "labels": ls, "pod_name": name or pod}

    out = sys.stdout
    for n in range(count):
        if allowed and rng.random() >= 0.005:
            s = rng.choice(sources)
            d, ports = rng.choice(allowed[s])
        else:
            s = rng.randrange(len(pods))
            d, ports = rng.choice(peers[s]), None
        dport, proto = rng.choice(ports or pods[d][4])
        src, dst = endpoint(pods[s]), endpoint(pods[d])
        sip, dip = pods[s][2], pods[d][2]
        roll = rng.random()
        if roll < 0.10:
            sip = "198.51.%d.%d" % (rng.randrange(100, 104), rng.randrange(1, 255))
            src = {"identity": 2, "labels": ["reserved:world"]}
        elif roll < 0.11:
            pod = pods[s][1]
            src = endpoint(pods[s], pod.rsplit("-", 2)[0] + "-5b9c7d6f4-gone%d" % (n % 7))
            sip = "10.255.%d.%d" % (n % 200, n % 250 + 1)
        flow = {
            "time": "2025-03-14T09:%02d:%02d.%06dZ" % (n // 600000 % 60, n // 10000 % 60, n % 1000000),
            "verdict": "DROPPED" if 0.11 <= roll < 0.13 else "FORWARDED",
            "IP": {"source": sip, "destination": dip, "ipVersion": "IPv4"},
            "source": src,
            "destination": dst,
            "Type": "L3_L4",
            "node_name": "default/node-%d" % (n % 5),
            "traffic_direction": "EGRESS",
            "is_reply": 0.13 <= roll < 0.18,
        }
        if 0.18 <= roll < 0.19:
            flow["l4"] = {"ICMPv4": {"type": 8}}
        elif proto == "TCP":
            flow["l4"] = {"TCP": {"source_port": 30000 + n % 30000, "destination_port": dport, "flags": {"SYN": True}}}
        else:
            flow["l4"] = {proto: {"source_port": 30000 + n % 30000, "destination_port": dport}}
        out.write(json.dumps({"flow": flow, "node_name": flow["node_name"], "time": flow["time"]},
                             separators=(",", ":")))
        out.write("\n")


if __name__ == "__main__":
    main()
