#!/usr/bin/env python3
"""Checks a `netpol lab --dataplane nfqueue -o json` report (run_c_tests.sh): every probe agrees
with the model, none failed, and the NFQUEUE program gave verdicts. Prints a one-line summary;
exits 1 otherwise. Usage: check_lab_report.py REPORT.json"""

import json
import sys

report = json.load(open(sys.argv[1]))
nfqueue = report.get("nfqueue") or {}
print(
    f"{report['probes']} probes, {report['disagree']} disagree, "
    f"{nfqueue.get('verdicts', 0)} verdicts, {nfqueue.get('mean_ns', 0)} ns/verdict"
)
ok = report["disagree"] == 0 and report["failed"] == 0 and nfqueue.get("verdicts", 0) > 0
sys.exit(0 if ok else 1)
