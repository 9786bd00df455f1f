"""Audit: which pods accept ingress from every namespace, and on which ports?

    python python/examples/audit_any_namespace.py [cluster.yaml ...]
"""

import collections
import sys

import netpol

engine = netpol.Engine.from_files(*(sys.argv[1:] or ["examples/cluster.yaml"]))
namespaces = {pod.split("/")[0] for pod in engine.pods}
sources = collections.defaultdict(set)  # pod -> namespaces with a pod that reaches it
ports = collections.defaultdict(set)  # pod -> the ports they reach it on
for pair in engine.connectivity()["pairs"]:
    if pair["from"] == pair["to"]:
        continue
    sources[pair["to"]].add(pair["from"].split("/")[0])
    for protocol, ranges in pair["ports"].items():
        ports[pair["to"]].update(f"{r}/{protocol}" for r in (["all"] if ranges == "all" else ranges))
for pod in engine.pods:
    if sources[pod] >= namespaces:
        print(f"{pod} accepts ingress from every namespace on {', '.join(sorted(ports[pod]))}")
