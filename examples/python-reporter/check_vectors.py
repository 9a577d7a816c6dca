#!/usr/bin/env python3
"""Checks this implementation against every test vector of docs/producer-protocol.md §12.

Reads the document, recomputes each vector from its inputs with herald_protocol,
and prints one line per failure. Exit status 0 when every vector holds, 1 otherwise.

    python3 check_vectors.py [path/to/producer-protocol.md]
"""

import json
import os
import struct
import sys
from decimal import Decimal

import herald_protocol as hp

DEFAULT_DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "producer-protocol.md")


def block(lines, fence):
    start = lines.index(fence) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
    return lines[start:end]


def documented_vectors(lines):
    vectors, name = {}, None
    for line in block(lines, "```text test-vectors"):
        if not line.strip() or line.startswith("#"):
            continue
        if " = " in line and not line.startswith(" "):
            name, value = line.split(" = ", 1)
            vectors[name.strip()] = value.strip()
        else:
            vectors[name] += line.strip()  # long hex values continue on indented lines
    return vectors


# --- the fixed-input scenarios of §12 -------------------------------------------

NODE, GROUP = "payments-eu-1", "payments"


def report(key_id, event_id, entity, version, prev_hash, state, op_id, op, event_time, attributes):
    return {"eventId": event_id, "group": GROUP, "entityKey": entity, "version": version,
            "nodeId": NODE, "prevStateHash": prev_hash, "stateHash": hp.sha256(state),
            "opId": op_id, "opDigest": hp.sha256(op), "eventTime": event_time,
            "attributes": attributes}


def signed_batch(key, key_id, partition, seq, created_at, reports, schema_id):
    batch = {"nodeId": NODE, "keyId": key_id, "partition": partition, "batchSeq": seq,
             "createdAt": created_at, "reports": reports}
    canonical = hp.enc_batch(batch)
    batch["signature"] = hp.sign(key, canonical)
    return canonical, batch, hp.wire(schema_id, hp.avro_report_batch(batch))


def computed():
    v = {}
    seed = bytes(range(32))
    key = hp.nacl.signing.SigningKey(seed)
    pub = hp.public_key(key)
    kid = hp.key_id(pub)
    v.update(seed=seed.hex(), public_key=pub.hex(), key_id=kid)

    canon = lambda text: hp.canonical_json(hp.parse_json(text))
    prev = canon('{ "owner": "ada", "balance": 100.00 }')
    state = canon('{"owner":"ada","balance":70,"tags":["vip","eu"]}')
    op = canon('{"type":"withdraw","account":"acct-17","amount":30}')
    v.update(prev_state_canonical=prev.decode(), prev_state_hash=hp.sha256(prev).hex(),
             state_canonical=state.decode(), state_hash=hp.sha256(state).hex(),
             op_canonical=op.decode(), op_digest=hp.sha256(op).hex())
    v["murmur2"] = f"{hp.murmur2(b'payments/acct-17'):08x}"
    partition = hp.report_partition(GROUP, "acct-17", 6)
    v["partition_of_6"] = str(partition)
    r = report(kid, "00000000-0000-4000-8000-000000000001", "acct-17", 8, hp.sha256(prev),
               state, "op-991", op, 1700000000000, {"zone": "b", "region": "eu-west"})
    v["report_canonical"] = hp.enc_state_change(r).hex()
    canonical, batch, value = signed_batch(key, kid, partition, 1, 1700000000005, [r], 1)
    v.update(batch_canonical=canonical.hex(), batch_signature=batch["signature"].hex(),
             batch_record_value_schema_id_1=value.hex())

    hb = {"nodeId": NODE, "groups": [GROUP], "region": "eu-west", "sequence": 1,
          "eventTime": 1700000001000, "status": "UP", "keyId": kid}
    hb_canonical = hp.enc_heartbeat(hb)
    hb["signature"] = hp.sign(key, hb_canonical)
    v.update(heartbeat_canonical=hb_canonical.hex(), heartbeat_signature=hb["signature"].hex(),
             heartbeat_partition_of_6=str(hp.heartbeat_partition(NODE, 6)),
             heartbeat_record_value_schema_id_2=hp.wire(2, hp.avro_heartbeat(hb)).hex())

    entity = "konto-ø"
    b_partition = hp.report_partition(GROUP, entity, 6)
    v["b_partition_of_6"] = str(b_partition)
    states = ['{"owner":"åsa","balance":0}', '{"owner":"åsa","balance":12.5}',
              '{"balance": 1E1, "owner": "\\u00e5sa"}']
    ops = ['{"type":"open","owner":"åsa"}', '{"type":"deposit","amount":12.50}',
           '{"type":"withdraw","amount":2.5}']
    attributes = [{}, {"ø": "1", "z": "2", "é": "3"}, {}]
    reports, prev_hash = [], b""
    for i in range(3):
        s, o = canon(states[i]), canon(ops[i])
        n = i + 1
        v.update({f"b_state_canonical_{n}": s.decode(), f"b_state_hash_{n}": hp.sha256(s).hex(),
                  f"b_op_canonical_{n}": o.decode(), f"b_op_digest_{n}": hp.sha256(o).hex()})
        reports.append(report(kid, f"00000000-0000-4000-8000-00000000000{n + 1}", entity, n,
                              prev_hash, s, f"op-{n}", o, 1700000002000 + i, attributes[i]))
        prev_hash = hp.sha256(s)
    v["b_report_1_canonical"] = hp.enc_state_change(reports[0]).hex()
    canonical, batch, value = signed_batch(key, kid, b_partition, 2, 1700000002010, reports, 1)
    v.update(b_batch_canonical=canonical.hex(), b_batch_signature=batch["signature"].hex(),
             b_batch_record_value_schema_id_1=value.hex())
    return v


# --- the case table -------------------------------------------------------------

def refused(fn, *args):
    try:
        fn(*args)
    except hp.ProtocolError:
        return True
    return False


def check_case(c):
    """None when the case holds, else what differs."""
    kind = c["kind"]
    if kind == "murmur2":
        key = c["key"].encode("utf-8")
        got = {"utf8": key.hex(), "murmur2": f"{hp.murmur2(key):08x}",
               "partition_of_6": hp.partition_of(key, 6), "partition_of_12": hp.partition_of(key, 12)}
    elif kind == "json":
        canonical = hp.canonical_json(hp.parse_json(c["in"]))
        got = {"canonical": canonical.decode("utf-8"), "sha256": hp.sha256(canonical).hex()}
    elif kind == "json_error":
        return None if refused(lambda t: hp.canonical_json(hp.parse_json(t)), c["in"]) else "accepted"
    elif kind == "double":
        x = struct.unpack(">d", bytes.fromhex(c["bits"]))[0]
        got = {"canonical": hp.canonical_float(x)}
    elif kind == "float32":
        x = struct.unpack(">f", bytes.fromhex(c["bits"]))[0]  # Python widens it to binary64
        got = {"canonical": hp.canonical_float(x)}
    elif kind == "string":
        got = {"encoding": hp.enc_string(c["in"]).hex()}
    elif kind == "string_error":
        ok = refused(hp.enc_string, c["in"]) and refused(hp.canonical_json, [c["in"]])
        return None if ok else "accepted"
    elif kind == "map":
        got = {"encoding": hp.enc_map(c["in"]).hex(),
               "canonical_json": hp.canonical_json(c["in"]).decode("utf-8")}
    elif kind == "ed25519":
        key = hp.nacl.signing.SigningKey(bytes.fromhex(c["secret"]))
        message = bytes.fromhex(c["message"])
        got = {"public": hp.public_key(key).hex(), "signature": hp.sign(key, message).hex()}
    else:
        return f"unknown kind {kind}"
    diff = {k: (c.get(k), g) for k, g in got.items() if c.get(k) != g}
    return None if not diff else f"expected vs computed: {diff}"


def main(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    failures, checked = [], 0
    documented = documented_vectors(lines)
    ours = computed()
    for name in sorted(set(documented) | set(ours)):
        checked += 1
        if documented.get(name) != ours.get(name):
            failures.append(f"{name}: documented {documented.get(name)} computed {ours.get(name)}")
    for line in block(lines, "```jsonl test-cases"):
        if not line.strip():
            continue
        checked += 1
        case = json.loads(line)
        try:
            problem = check_case(case)
        except hp.ProtocolError as e:
            problem = f"refused: {e}"
        if problem:
            failures.append(f"{line}\n    {problem}")
    for f in failures:
        print("FAIL", f)
    print(f"{checked - len(failures)} of {checked} test vectors hold ({path})")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DOC))
