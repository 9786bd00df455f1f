#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds: every cluster of core/testdata/ and examples/ (each
# case of the case files as its own cluster, with its model), framed for each target's input
# format, and the regression inputs of core/testdata/fuzz/load/. Idempotent: seeds are named by content. Needs python3 with PyYAML for the per-case
# seeds; without it, whole files only.
set -euo pipefail
cd "$(dirname "$0")"
root=..
python3 - "$root" <<'PY'
import hashlib, os, random, struct, sys

root = sys.argv[1]
texts = []  # (name, bytes)
files = []
for base in ("core/testdata", "examples"):
    for dirpath, _, names in os.walk(os.path.join(root, base)):
        for n in sorted(names):
            if n.endswith((".yaml", ".yml", ".json")):
                files.append(os.path.join(dirpath, n))
for f in sorted(files):
    texts.append(open(f, "rb").read())
try:
    import yaml
    models = {}
    mdir = os.path.join(root, "core/testdata/models")
    for n in os.listdir(mdir):
        models[n.rsplit(".", 1)[0]] = open(os.path.join(mdir, n), "rb").read()
    for f in sorted(files):
        if "/cases/" not in f:
            continue
        doc = yaml.safe_load(open(f))
        for case in (doc or {}).get("cases", []):
            objects = yaml.safe_dump_all(case.get("objects") or [], sort_keys=False).encode()
            model = models.get(case.get("model", ""), b"")
            texts.append(model + b"\n---\n" + objects)
except ImportError:
    print("seed.sh: no PyYAML: whole files only", file=sys.stderr)

def put(target, data):
    d = os.path.join("corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as out:
        out.write(data)

rng = random.Random(10)
for t in texts:
    put("load", b"\x00" + t)                    # strict, one input
    put("load", b"\x03" + t)                    # lenient, split in two inputs
    put("explain", b"\x01" + t + b"\x00" + bytes(rng.randrange(256) for _ in range(64)))
    if len(t) < 65536:
        put("c_api", struct.pack("<H", len(t)) + t + bytes(rng.randrange(256) for _ in range(256)))
# Regression inputs are already in the load target's format.
rdir = os.path.join(root, "core/testdata/fuzz/load")
for n in sorted(os.listdir(rdir)) if os.path.isdir(rdir) else []:
    put("load", open(os.path.join(rdir, n), "rb").read())
for i in range(64):
    put("differential", bytes(rng.randrange(256) for _ in range(rng.choice([64, 256, 1024]))))
    put("explain", b"\x00" + bytes(rng.randrange(256) for _ in range(512)))
# Flow files: every one of examples/ and the tests, under each format byte (auto, hubble, jsonl,
# csv; +4 also checks the suggestion).
flow_files = []
for base in ("examples/flows", "cli/tests/data"):
    for dirpath, _, names in os.walk(os.path.join(root, base)):
        flow_files += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith((".jsonl", ".csv"))]
for f in sorted(flow_files):
    data = open(f, "rb").read()
    for flags in (0, 4, 1 if f.endswith(".jsonl") else 3, 6 if f.endswith(".jsonl") else 7):
        put("flows", bytes([flags]) + data)
    for line in data.splitlines()[:12]:
        put("flows", b"\x04" + line)
for target in ("load", "differential", "explain", "c_api", "flows"):
    d = os.path.join("corpus", target)
    print(f"{d}: {len(os.listdir(d))} files")
PY
