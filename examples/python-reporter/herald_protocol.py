"""Herald producer protocol v1 (docs/producer-protocol.md), as pure functions.

No Kafka, no network: canonical JSON and numbers (§3), partitions (§4), the
signed canonical encoding (§5), Ed25519 keys and signatures (§6) and the Avro
record values in the Confluent wire format (§2). Section numbers refer to the
document. Needs Debian's python3-nacl only.
"""

import base64
import hashlib
import json
import math
import struct
from decimal import Decimal

import nacl.signing


class ProtocolError(ValueError):
    """Input that has no canonical form; the message says what is wrong."""


# --- §3.2 canonical JSON ---------------------------------------------------

MAX_DEPTH = 1000
MAX_DIGITS = 1000
MAX_EXPONENT = 1000


def _refuse_constant(name):
    raise ProtocolError(f"{name} is not a JSON number")


def _unique_members(pairs):
    obj = {}
    for name, value in pairs:
        if name in obj:
            raise ProtocolError(f"duplicate member name {name!r}")
        obj[name] = value
    return obj


def parse_json(text):
    """One JSON value, strictly (RFC 8259); numbers become exact Decimals."""
    if not text.strip():
        raise ProtocolError("empty JSON text")
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_int=Decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_members,
        )
    except (json.JSONDecodeError, RecursionError) as e:
        raise ProtocolError(f"not valid JSON: {e}") from None


def _check_text(s):
    """A Python str is Unicode text unless it holds a surrogate code point."""
    for i, ch in enumerate(s):
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise ProtocolError(f"unpaired surrogate U+{ord(ch):04X} at index {i}")


def canonical_decimal(d):
    """§3.3: the exact decimal, plain notation, within the bounds."""
    if not d.is_finite():
        raise ProtocolError("NaN and infinities have no canonical form")
    sign, digits, exp = d.as_tuple()
    digits = list(digits)
    while digits and digits[0] == 0:
        digits.pop(0)
    if not digits:
        return "0"
    while digits[-1] == 0:
        digits.pop()
        exp += 1
    n = len(digits)
    adjusted = n - 1 + exp
    if n > MAX_DIGITS:
        raise ProtocolError(f"{n} significant digits (at most {MAX_DIGITS})")
    if not -MAX_EXPONENT <= adjusted <= MAX_EXPONENT:
        raise ProtocolError(f"decimal exponent {adjusted} outside ±{MAX_EXPONENT}")
    s = "".join(map(str, digits))
    if exp >= 0:
        text = s + "0" * exp
    elif -exp < n:
        text = s[: n + exp] + "." + s[n + exp:]
    else:
        text = "0." + "0" * (-exp - n) + s
    return ("-" if sign else "") + text


def canonical_float(x):
    """§3.3: a binary64 value is its shortest round-trip decimal, which is repr()."""
    if math.isnan(x) or math.isinf(x):
        raise ProtocolError("NaN and infinities have no canonical form")
    return canonical_decimal(Decimal(repr(x)))


_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t",
                  "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _json_string(s, out):
    _check_text(s)
    out.append('"')
    for ch in s:
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')


def _write(value, out, depth):
    if depth > MAX_DEPTH:
        raise ProtocolError(f"nested deeper than {MAX_DEPTH}")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(canonical_decimal(Decimal(value)))
    elif isinstance(value, Decimal):
        out.append(canonical_decimal(value))
    elif isinstance(value, float):
        out.append(canonical_float(value))
    elif isinstance(value, str):
        _json_string(value, out)
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, depth + 1)
        out.append("]")
    elif isinstance(value, dict):
        for name in value:
            if not isinstance(name, str):
                raise ProtocolError(f"object member names must be strings, not {name!r}")
            _check_text(name)
        out.append("{")
        # UTF-16 code-unit order, as RFC 8785
        for i, name in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if i:
                out.append(",")
            _json_string(name, out)
            out.append(":")
            _write(value[name], out, depth + 1)
        out.append("}")
    else:
        raise ProtocolError(f"cannot canonicalise a {type(value).__name__}")


def canonical_json(value):
    """§3.2: canonical bytes of a value made of dicts, lists, str, numbers, bools and None."""
    out = []
    _write(value, out, 0)
    return "".join(out).encode("utf-8")


def canonical_bytes(state):
    """§3.1: bytes as they are; None (no state) is zero bytes; anything else canonical JSON.

    JSON text must be parsed first (parse_json): a str is a JSON string value here.
    """
    if state is None:
        return b""
    if isinstance(state, (bytes, bytearray)):
        return bytes(state)
    return canonical_json(state)


def sha256(data):
    return hashlib.sha256(data).digest()


def state_hash(state):
    return sha256(canonical_bytes(state))


def prev_state_hash(version, prev_state):
    """§3.1: empty at version 1, the previous state's hash after."""
    return b"" if version == 1 else state_hash(prev_state)


# --- §4 partitions -----------------------------------------------------------

_M32 = 0xFFFFFFFF


def murmur2(data):
    """Kafka's murmur2 as an unsigned 32-bit integer."""
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & _M32
    blocks = length - length % 4
    for i in range(0, blocks, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & _M32
        k ^= k >> r
        k = (k * m) & _M32
        h = (h * m) & _M32
        h ^= k
    tail = length % 4
    if tail == 3:
        h ^= data[blocks + 2] << 16
    if tail >= 2:
        h ^= data[blocks + 1] << 8
    if tail >= 1:
        h ^= data[blocks]
        h = (h * m) & _M32
    h ^= h >> 13
    h = (h * m) & _M32
    h ^= h >> 15
    return h


def partition_of(key_bytes, partitions):
    return (murmur2(key_bytes) & 0x7FFFFFFF) % partitions


def report_partition(group, entity_key, partitions):
    return partition_of(f"{group}/{entity_key}".encode("utf-8"), partitions)


def heartbeat_partition(node_id, partitions):
    return partition_of(node_id.encode("utf-8"), partitions)


# --- §5 canonical encoding -------------------------------------------------

def _utf8(s):
    _check_text(s)
    return s.encode("utf-8")


def _u32(n):
    return struct.pack(">I", n)


def enc_string(s):
    b = _utf8(s)
    return _u32(len(b)) + b


def enc_bytes(b):
    return _u32(len(b)) + bytes(b)


def enc_map(m):
    entries = sorted((_utf8(k), _utf8(v)) for k, v in m.items())
    return _u32(len(entries)) + b"".join(_u32(len(k)) + k + _u32(len(v)) + v for k, v in entries)


def _tag(t):
    return t.encode("ascii") + b"\x00"


def enc_state_change(r):
    return b"".join([
        enc_string(r["eventId"]), enc_string(r["group"]), enc_string(r["entityKey"]),
        struct.pack(">q", r["version"]), enc_string(r["nodeId"]),
        enc_bytes(r["prevStateHash"]), enc_bytes(r["stateHash"]), enc_string(r["opId"]),
        enc_bytes(r["opDigest"]), struct.pack(">q", r["eventTime"]), enc_map(r["attributes"]),
    ])


def enc_batch(b):
    """The bytes a batch signature covers."""
    return b"".join([
        _tag("HERALD-REPORT-BATCH-V1"), enc_string(b["nodeId"]), enc_string(b["keyId"]),
        struct.pack(">i", b["partition"]), struct.pack(">q", b["batchSeq"]),
        struct.pack(">q", b["createdAt"]), _u32(len(b["reports"])),
        *[enc_state_change(r) for r in b["reports"]],
    ])


def enc_heartbeat(h):
    """The bytes a heartbeat signature covers."""
    return b"".join([
        _tag("HERALD-HEARTBEAT-V1"), enc_string(h["nodeId"]), _u32(len(h["groups"])),
        *[enc_string(g) for g in h["groups"]], enc_string(h["region"]),
        struct.pack(">q", h["sequence"]), struct.pack(">q", h["eventTime"]),
        enc_string(h["status"]), enc_string(h["keyId"]),
    ])


# --- §6 keys and signatures ---------------------------------------------------

_ED25519_OID = bytes.fromhex("2b6570")


def _der(data, pos):
    """One DER element at pos: (tag, value, next position)."""
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    return tag, data[pos:pos + length], pos + length


def load_private_key(pem):
    """A PKCS#8 PEM Ed25519 private key, v1 (OpenSSL's) or v2 (with the public key)."""
    lines = [l.strip() for l in pem.strip().splitlines()]
    if not lines or lines[0] != "-----BEGIN PRIVATE KEY-----" or lines[-1] != "-----END PRIVATE KEY-----":
        raise ProtocolError("not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)")
    der = base64.b64decode("".join(lines[1:-1]))
    tag, info, _ = _der(der, 0)
    pos = 0
    _, version, pos = _der(info, pos)
    _, algorithm, pos = _der(info, pos)
    _, oid, _ = _der(algorithm, 0)
    if tag != 0x30 or version not in (b"\x00", b"\x01") or oid != _ED25519_OID:
        raise ProtocolError("the PEM does not hold an Ed25519 (OID 1.3.101.112) private key")
    _, wrapped, pos = _der(info, pos)
    _, seed, _ = _der(wrapped, 0)
    if len(seed) != 32:
        raise ProtocolError(f"an Ed25519 seed has 32 bytes, not {len(seed)}")
    return nacl.signing.SigningKey(seed)


def public_key(signing_key):
    return bytes(signing_key.verify_key)


def key_id(public):
    return sha256(public)[:8].hex()


def sign(signing_key, message):
    return signing_key.sign(message).signature


# --- §2 Avro record values (Confluent wire format) ---------------------------

def _long(n):
    n = (n << 1) ^ (n >> 63)  # zigzag
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _avro_bytes(b):
    return _long(len(b)) + bytes(b)


def _avro_string(s):
    return _avro_bytes(_utf8(s))


def _avro_block(items):
    """An array or map as one block: count, items, 0 (an empty one is 0)."""
    return (_long(len(items)) + b"".join(items) + b"\x00") if items else b"\x00"


def avro_state_change(r):
    return b"".join([
        _avro_string(r["eventId"]), _avro_string(r["group"]), _avro_string(r["entityKey"]),
        _long(r["version"]), _avro_string(r["nodeId"]), _avro_bytes(r["prevStateHash"]),
        _avro_bytes(r["stateHash"]), _avro_string(r["opId"]), _avro_bytes(r["opDigest"]),
        _long(r["eventTime"]),
        _avro_block([_avro_string(k) + _avro_string(v) for k, v in r["attributes"].items()]),
    ])


def avro_report_batch(b):
    return b"".join([
        _avro_string(b["nodeId"]), _avro_string(b["keyId"]), _long(b["partition"]),
        _long(b["batchSeq"]), _long(b["createdAt"]),
        _avro_block([avro_state_change(r) for r in b["reports"]]), _avro_bytes(b["signature"]),
    ])


HEARTBEAT_STATUSES = ("UP", "DEGRADED", "STOPPING")  # the Avro enum's symbols, in order


def avro_heartbeat(h):
    return b"".join([
        _avro_string(h["nodeId"]), _avro_block([_avro_string(g) for g in h["groups"]]),
        _avro_string(h["region"]), _long(h["sequence"]), _long(h["eventTime"]),
        _long(HEARTBEAT_STATUSES.index(h["status"])), _avro_string(h["keyId"]),
        _avro_bytes(h["signature"]),
    ])


def wire(schema_id, payload):
    """Confluent wire format: magic 0, 4-byte big-endian schema id, Avro binary."""
    return b"\x00" + schema_id.to_bytes(4, "big") + payload
