package dev.herald.auditor.api;

import dev.herald.schema.canonical.Hashing;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/** Avro records as JSON-ready maps: instants ISO-8601, bytes hex, enums by name. */
final class AvroJson {
  private AvroJson() {}

  static Object toJson(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof SpecificRecord r) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Schema.Field f : r.getSchema().getFields()) {
        m.put(f.name(), toJson(r.get(f.pos())));
      }
      return m;
    }
    if (value instanceof Instant i) {
      return i.toString();
    }
    if (value instanceof ByteBuffer b) {
      return Hashing.hex(b);
    }
    if (value instanceof CharSequence || value instanceof Enum<?>) {
      return value.toString();
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(toJson(x)));
      return out;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new TreeMap<>();
      map.forEach((k, v) -> out.put(k.toString(), toJson(v)));
      return out;
    }
    return value;
  }
}
