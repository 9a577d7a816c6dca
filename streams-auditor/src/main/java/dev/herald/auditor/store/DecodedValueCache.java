package dev.herald.auditor.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;

/**
 * A serde for <em>immutable</em> values that decodes each distinct value once: the deserializer
 * remembers the value decoded from equal bytes. Meant for the registry store, which every batch
 * reads and which changes rarely; the same bytes always give an equal value, so sharing one
 * instance is safe. Thread-safe (the global store is written by the global thread and read by every
 * stream thread); forgets everything when it holds {@code capacity} values.
 */
public final class DecodedValueCache<T> implements Serde<T> {
  private final Serde<T> inner;
  private final int capacity;
  private final Map<Bytes, T> decoded = new ConcurrentHashMap<>();

  public DecodedValueCache(Serde<T> inner, int capacity) {
    this.inner = inner;
    this.capacity = capacity;
  }

  @Override
  public Serializer<T> serializer() {
    return inner.serializer();
  }

  @Override
  public Deserializer<T> deserializer() {
    Deserializer<T> d = inner.deserializer();
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      Bytes key = Bytes.wrap(bytes);
      T value = decoded.get(key);
      if (value == null) {
        value = d.deserialize(topic, bytes);
        if (decoded.size() >= capacity) {
          decoded.clear();
        }
        // the store may hand out the same array again: keep a copy
        decoded.put(Bytes.wrap(bytes.clone()), value);
      }
      return value;
    };
  }
}
