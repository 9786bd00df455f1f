#!/usr/bin/env python3
"""Hostile inputs under the default limits: time, peak memory and outcome of each.

Every input here is one the issues name as having hung, blown up or been misread (issue 17,
"bounded by construction"): each must finish within a stated time and memory or be refused up
front with a message naming the limit. The script builds the inputs in a temporary directory,
runs the `netpol` binary on each under `/usr/bin/time`, and prints a Markdown table: case,
command, exit code, seconds, peak memory and the first line of stderr. It asserts nothing; the
regression tests live in core/tests/limits.rs and cli/tests/faults.rs.

Usage: scripts/hostile.py [path/to/netpol]   (default: target/release/netpol)
"""

import json
import os
import subprocess
import sys
import tempfile

NETPOL = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/netpol")
TIMEOUT = 300


def pod(name, ns="a", ip="10.1.0.1", labels=None):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": name}},
        "status": {"podIP": ip, "podIPs": [{"ip": ip}]},
    }


def namespace(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}}


def rules_excepts_ports(total_rules):
    """One pod; policies of 1,024 ingress rules, each with its own except and port."""
    items = [namespace("a"), pod("p0")]
    for p in range(0, total_rules, 1024):
        rules = []
        for i in range(p, min(p + 1024, total_rules)):
            b, c = 1 + i // 256 % 255, i % 256
            rules.append({
                "from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": [f"10.{b}.{c}.0/24"]}}],
                "ports": [{"port": 1 + i % 65535}],
            })
        items.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"np{p}", "namespace": "a"},
            "spec": {"podSelector": {}, "ingress": rules},
        })
    return {"apiVersion": "v1", "kind": "List", "items": items}


def no_policies(pods):
    items = [namespace("a")] + [pod(f"p{i}", ip=f"10.{1 + i // 65536}.{i // 256 % 256}.{i % 256}") for i in range(pods)]
    return {"apiVersion": "v1", "kind": "List", "items": items}


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(case, args, stdin=None):
    cmd = ["/usr/bin/time", "-f", "%e %M", NETPOL] + args
    try:
        done = subprocess.run(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"| {case} | `netpol {' '.join(shown(args))}` | timeout | > {TIMEOUT} | | |")
        return
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    seconds, kb = lines[-1].split()[-2:] if lines else ("?", "0")
    first = next((l for l in lines[:-1] if l.strip() and not l.startswith("Command exited")), "")
    first = first.replace("|", "\\|")[:140]
    print(f"| {case} | `netpol {' '.join(shown(args))}` | {done.returncode} | {seconds} | {int(kb) // 1024} MB | {first} |")


def shown(args):
    return [os.path.basename(a) if os.path.isabs(a) else a for a in args]


def main():
    with tempfile.TemporaryDirectory() as d:
        print("| case | command | exit | seconds | peak | first line of stderr |")
        print("| --- | --- | --- | --- | --- | --- |")
        for rules in (60_000, 120_000):
            f = write(d, f"rules-{rules}.json", json.dumps(rules_excepts_ports(rules)))
            run(f"{rules:,} rules x own except x own port", ["check", f, "--from", "a/p0", "--to", "10.200.0.1", "--port", "80"])
        # A billion-laughs alias bomb and nesting past the depth limit.
        bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(9)
        )
        run("alias bomb (10^10 nodes)", ["check", write(d, "bomb.yaml", bomb), "--from", "a/x", "--to", "a/y", "--port", "80"])
        deep = "[" * 100_000 + "]" * 100_000
        run("100,000 nested JSON arrays", ["matrix", write(d, "deep.json", deep), "--port", "80"])
        deep_yaml = "".join("  " * i + "a:\n" for i in range(3000)) + "  " * 3000 + "b\n"
        run("3,000 nested YAML levels, depth raised", ["matrix", "--limit", "depth=100000", write(d, "deep.yaml", deep_yaml), "--port", "80"])
        run("2,000,000 empty documents", ["matrix", write(d, "flood.yaml", "---\n{}\n" * 2_000_000), "--port", "80"])
        run("2,000,000 `{}` in one array", ["matrix", write(d, "flood.json", "[" + ",".join(["{}"] * 2_000_000) + "]"), "--port", "80"])
        config_map = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"}, "data": {"k": "v"}}'
        run("999,999 ConfigMaps in a List (the List and its items: the objects limit)", ["matrix", write(d, "configmaps.json", '{"kind": "List", "items": [' + ",".join([config_map] * 999_999) + "]}"), "--port", "80"])
        # Numbers past what the generator and bench take.
        run("generate --policies 2^64-1", ["generate", "--policies", "18446744073709551615"])
        cluster = write(d, "small.json", json.dumps(no_policies(2)))
        run("bench --queries 2^64-1", ["bench", cluster, "--queries", "18446744073709551615"])
        # Flow and expectation files with a 1 GB line.
        with open(os.path.join(d, "huge-line.jsonl"), "w") as f:
            chunk = "x" * (1 << 20)
            for _ in range(1024):
                f.write(chunk)
            f.write("\n")
        run("flow file, one 1 GB line", ["flows", cluster, "--flows", os.path.join(d, "huge-line.jsonl")])
        run("expectation file, one 1 GB line", ["verify", cluster, "--expect", os.path.join(d, "huge-line.jsonl")])
        os.remove(os.path.join(d, "huge-line.jsonl"))
        # Outputs that grow with pods²: 20,000 pods without policies.
        many = write(d, "20k.json", json.dumps(no_policies(20_000)))
        run("20,000 pods, no policy: matrix -o json", ["matrix", many, "--port", "80", "-o", "json"])
        run("20,000 pods, no policy: connectivity --group-by namespace", ["connectivity", many, "--group-by", "namespace", "-o", "json"])
        run("20,000 pods, no policy: graph", ["graph", many])


if __name__ == "__main__":
    main()
