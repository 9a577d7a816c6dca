"""A Herald reporter on librdkafka (Debian's python3-confluent-kafka) and PyNaCl.

    reporter = Reporter(bootstrap="localhost:9092", registry_url="http://localhost:8081",
                        node_id="payments-eu-1", group="payments", region="eu-west",
                        key_file="payments-eu-1.pem")
    reporter.heartbeat()
    reporter.report("acct-17", 1, None, {"owner": "ada", "balance": 100}, "op-1", {"type": "open"})
    reporter.flush()          # seals, signs and sends one batch per partition; waits for the acks
    reporter.close()          # a STOPPING heartbeat, then flush

States and operations are dicts, lists, str, numbers, bools and None (or bytes, hashed as
they are); JSON text is parsed with herald_protocol.parse_json first. Section numbers
refer to docs/producer-protocol.md.
"""

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from confluent_kafka import Producer

import herald_protocol as hp

STATE_CHANGES = "herald.state-changes.v1"
HEARTBEATS = "herald.heartbeats.v1"
SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas", "src", "main", "avro")
MAX_REPORTS_PER_BATCH = 256


def now_ms():
    return time.time_ns() // 1_000_000


class Registry:
    """The two calls of the Confluent Schema Registry API a reporter needs (§2)."""

    def __init__(self, url):
        self.url = url.rstrip("/")

    def _post(self, path, body):
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def schema_id(self, subject, schema_text, register=True):
        """The id of this exact schema under subject: looked up, else registered if allowed."""
        path = "/subjects/" + urllib.parse.quote(subject, safe="")
        status, answer = self._post(path, {"schema": schema_text})
        if status == 200:
            return answer["id"]
        if status == 404 and register:
            status, answer = self._post(path + "/versions", {"schema": schema_text})
            if status == 200:
                return answer["id"]
        raise RuntimeError(f"schema registry {self.url}: {subject}: {status} {answer}")


class Reporter:
    def __init__(self, *, bootstrap, registry_url, node_id, group, region, key_file,
                 register_schemas=True, kafka_config=None):
        self.node_id, self.group, self.region = node_id, group, region
        with open(key_file, encoding="ascii") as f:
            self.key = hp.load_private_key(f.read())
        self.key_id = hp.key_id(hp.public_key(self.key))
        registry = Registry(registry_url)
        self.batch_schema_id = registry.schema_id(
            STATE_CHANGES + "-value", _read(SCHEMAS, "ReportBatch.avsc"), register_schemas)
        self.heartbeat_schema_id = registry.schema_id(
            HEARTBEATS + "-value", _read(SCHEMAS, "Heartbeat.avsc"), register_schemas)
        config = {
            "bootstrap.servers": bootstrap,
            "client.id": f"herald-reporter-{node_id}",
            "enable.idempotence": True,          # §7: idempotent, acks=all, ≤ 5 in flight
            "acks": "all",
            "max.in.flight.requests.per.connection": 5,
            "linger.ms": 5,
            "delivery.timeout.ms": 30000,
        }
        config.update(kafka_config or {})
        self.producer = Producer(config)
        topics = self.producer.list_topics(timeout=10).topics
        for topic in (STATE_CHANGES, HEARTBEATS):
            if topic not in topics or not topics[topic].partitions:
                raise RuntimeError(f"topic {topic} does not exist at {bootstrap} (herald topics create)")
        self.report_partitions = len(topics[STATE_CHANGES].partitions)
        self.heartbeat_partition = hp.heartbeat_partition(node_id, len(topics[HEARTBEATS].partitions))
        # §7: sequences never repeat across restarts: start from the clock
        self.start_seq = now_ms() * 1000
        self.batch_seqs = {}
        self.heartbeat_seq = self.start_seq
        self.pending = {}
        self.failures = []
        self.lock = threading.Lock()

    def report(self, entity_key, version, prev_state, new_state, op_id, op,
               attributes=None, event_id=None):
        """Queues the report that this node applied op (op_id) to entity_key as version.

        Returns a copy of the queued report: changing it does not change what is signed."""
        report = {
            "eventId": event_id or str(uuid.uuid4()),
            "group": self.group,
            "entityKey": entity_key,
            "version": version,
            "nodeId": self.node_id,
            "prevStateHash": hp.prev_state_hash(version, prev_state),
            "stateHash": hp.state_hash(new_state),
            "opId": op_id,
            "opDigest": hp.state_hash(op),
            "eventTime": now_ms(),
            "attributes": dict(attributes or {}),
        }
        hp.enc_state_change(report)  # refuses now what could not be signed later
        partition = hp.report_partition(self.group, entity_key, self.report_partitions)
        with self.lock:
            self.pending.setdefault(partition, []).append(report)
        # a copy: the queued report is signed at flush, and must be what was reported here
        return dict(report, attributes=dict(report["attributes"]))

    def flush(self, timeout=30):
        """Sends every queued report, one signed batch per partition, and waits for the acks."""
        with self.lock:
            pending, self.pending = self.pending, {}
            for partition, reports in sorted(pending.items()):
                for i in range(0, len(reports), MAX_REPORTS_PER_BATCH):
                    self._send_batch(partition, reports[i:i + MAX_REPORTS_PER_BATCH])
        self._wait(timeout)

    def _send_batch(self, partition, reports):
        seq = self.batch_seqs.get(partition, self.start_seq) + 1
        self.batch_seqs[partition] = seq
        batch = {"nodeId": self.node_id, "keyId": self.key_id, "partition": partition,
                 "batchSeq": seq, "createdAt": now_ms(), "reports": reports}
        batch["signature"] = hp.sign(self.key, hp.enc_batch(batch))
        value = hp.wire(self.batch_schema_id, hp.avro_report_batch(batch))
        self.producer.produce(STATE_CHANGES, key=self.node_id.encode("utf-8"), value=value,
                              partition=partition, on_delivery=self._delivered)
        self.producer.poll(0)

    def heartbeat(self, status="UP"):
        """Sends one signed heartbeat (§8) to the node's partition."""
        with self.lock:
            self.heartbeat_seq += 1
            hb = {"nodeId": self.node_id, "groups": [self.group], "region": self.region,
                  "sequence": self.heartbeat_seq, "eventTime": now_ms(), "status": status,
                  "keyId": self.key_id}
            hb["signature"] = hp.sign(self.key, hp.enc_heartbeat(hb))
            value = hp.wire(self.heartbeat_schema_id, hp.avro_heartbeat(hb))
            self.producer.produce(HEARTBEATS, key=self.node_id.encode("utf-8"), value=value,
                                  partition=self.heartbeat_partition, on_delivery=self._delivered)
            self.producer.poll(0)

    def close(self, timeout=30):
        """An orderly stop: a STOPPING heartbeat, then everything queued is sent."""
        self.heartbeat("STOPPING")
        self.flush(timeout)

    def _delivered(self, error, message):
        if error is not None:
            self.failures.append(f"{message.topic()}[{message.partition()}]: {error}")

    def _wait(self, timeout):
        left = self.producer.flush(timeout)
        if left or self.failures:
            failures, self.failures = self.failures, []
            raise RuntimeError(f"node {self.node_id}: {left} records unacknowledged after "
                               f"{timeout} s; failed: {failures}")


def _read(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as f:
        return f.read()
