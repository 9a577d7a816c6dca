#!/usr/bin/env python3
"""Plays replicas of one group against a real Herald: honest reports, and on request one
divergence and one equivocation, then heartbeats until its standard input closes.

    python3 replicas.py --bootstrap localhost:9092 --registry http://localhost:8081 \
        --group payments --node n1=n1.pem --node n2=n2.pem --run r1 \
        --diverge n1 --equivocate n2 --expected expected.jsonl < /dev/null

The plan (the same for every replica, so an honest replica in another language can
follow it):
  - entities acct-<run>-1 … acct-<run>-<entities>: versions 1 to 3;
  - entity div-<run>: versions 1 and 2; the --diverge node reports another state at 2;
  - entity eqv-<run>: versions 1 and 2; the --equivocate node signs two different
    reports of version 2, in two batches;
  - state at version v: {"owner": "åsa", "balance": v * 0.1 + 0.2, "limit": 1e23,
    "tags": ["vip", "eu"]} (binary doubles: they hash as their shortest decimal);
    operation: {"type": "deposit", "amount": 0.1}, op id op-<v>.

Prints a JSON summary on standard output; --expected writes the alerts the auditor must
raise (one JSON object per line: type, group, entityKey, version, nodes).
"""

import argparse
import json
import sys
import threading

from herald_reporter import Reporter


def state(version, diverged=False):
    return {"owner": "åsa", "balance": version * 0.1 + 0.2 + (1000 if diverged else 0),
            "limit": 1e23, "tags": ["vip", "eu"]}


OP = {"type": "deposit", "amount": 0.1}


def play(reporters, run, entities, diverge, equivocate):
    """Reports every version of the plan from every replica; returns (reports, expected)."""
    plan = [(f"acct-{run}-{i}", 3) for i in range(1, entities + 1)]
    plan += [(f"div-{run}", 2), (f"eqv-{run}", 2)]
    sent, expected = 0, []
    for version in (1, 2, 3):
        second_claims = []
        for node, reporter in reporters.items():
            for entity, last in plan:
                if version > last:
                    continue
                diverged = entity.startswith("div-") and node == diverge and version == 2
                prev = None if version == 1 else state(version - 1)
                reporter.report(entity, version, prev, state(version, diverged), f"op-{version}", OP)
                sent += 1
                if entity.startswith("eqv-") and node == equivocate and version == 2:
                    second_claims.append((reporter, entity))
            reporter.flush()
        for reporter, entity in second_claims:
            # a second, different signed claim for the same version, in its own batch
            reporter.report(entity, 2, state(1), state(2, diverged=True), "op-2", OP)
            reporter.flush()
            sent += 1
    group = next(iter(reporters.values())).group
    if diverge:
        expected.append({"type": "DIVERGENCE", "group": group, "entityKey": f"div-{run}",
                         "version": 2, "nodes": [diverge]})
    if equivocate:
        expected.append({"type": "EQUIVOCATION", "group": group, "entityKey": f"eqv-{run}",
                         "version": 2, "nodes": [equivocate]})
    return sent, expected


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--region", default="eu-west")
    parser.add_argument("--node", action="append", required=True, metavar="ID=KEY.pem")
    parser.add_argument("--run", default="r1")
    parser.add_argument("--entities", type=int, default=4)
    parser.add_argument("--diverge", metavar="NODE")
    parser.add_argument("--equivocate", metavar="NODE")
    parser.add_argument("--expected", metavar="FILE")
    parser.add_argument("--heartbeat-ms", type=int, default=500)
    args = parser.parse_args()

    reporters = {}
    for spec in args.node:
        node, key_file = spec.split("=", 1)
        reporters[node] = Reporter(bootstrap=args.bootstrap, registry_url=args.registry,
                                   node_id=node, group=args.group, region=args.region,
                                   key_file=key_file)
    stop = threading.Event()

    def beat():
        while not stop.is_set():
            for reporter in reporters.values():
                reporter.heartbeat()
            stop.wait(args.heartbeat_ms / 1000)

    heartbeats = threading.Thread(target=beat, daemon=True)
    for reporter in reporters.values():
        reporter.heartbeat()  # §8: one at start
    heartbeats.start()

    sent, expected = play(reporters, args.run, args.entities, args.diverge, args.equivocate)
    if args.expected:
        with open(args.expected, "w", encoding="utf-8") as f:
            for alert in expected:
                f.write(json.dumps(alert) + "\n")
    print(json.dumps({"reports_sent": sent, "nodes": sorted(reporters),
                      "key_ids": {n: r.key_id for n, r in reporters.items()},
                      "expected_alerts": len(expected)}), flush=True)

    sys.stdin.read()  # heartbeat until whoever started us closes our standard input
    stop.set()
    heartbeats.join()
    for reporter in reporters.values():
        reporter.close()
    print(json.dumps({"stopped": sorted(reporters)}), flush=True)


if __name__ == "__main__":
    main()
