#!/usr/bin/env python3
"""The valid cases of core/testdata/ as one JSON document, for faces that cannot read YAML
themselves (the wasm playground's browser test): per case its name, options, the cluster as a
JSON `kind: List` (model items, then the case's objects) and its expectations as written.
Cases given as literal text (`raw`) are left out. Needs PyYAML. Usage: corpus-json.py > out.json"""

import json
import pathlib
import sys

import yaml

root = pathlib.Path(__file__).resolve().parents[1] / "core" / "testdata"


class _Loader(yaml.SafeLoader):
    pass


# YAML 1.1 booleans (yes/no/on/off) are strings to Kubernetes; only true/false are booleans.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list(_first)
    )

models = {p.stem: yaml.load(p.read_text(), Loader=_Loader) for p in (root / "models").glob("*.yaml")}
out = []
for path in sorted((root / "cases").glob("*.yaml")):
    for case in yaml.load(path.read_text(), Loader=_Loader)["cases"]:
        if "raw" in case:
            continue
        items = list(models[case["model"]]["items"]) if "model" in case else []
        items.extend(case.get("objects") or [])
        out.append(
            {
                "name": case["name"],
                "options": case.get("options") or {},
                "text": json.dumps({"apiVersion": "v1", "kind": "List", "items": items}),
                "expect": case["expect"],
            }
        )
json.dump(out, sys.stdout)
