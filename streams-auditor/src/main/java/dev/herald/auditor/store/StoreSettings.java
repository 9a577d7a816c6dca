package dev.herald.auditor.store;

import java.util.Map;

/** Reading the stores' settings from the Kafka Streams properties. */
final class StoreSettings {
  private StoreSettings() {}

  /**
   * The positive whole number {@code configs} set for {@code key}, or {@code fallback} when none is
   * set.
   *
   * @param unit what the number counts, for the error ("MiB", "entries per task")
   * @throws IllegalArgumentException naming the setting when the value is not a positive integer
   */
  static long positive(Map<?, ?> configs, String key, long fallback, String unit) {
    Object v = configs == null ? null : configs.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v.toString().trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw new IllegalArgumentException(
        key + " must be a positive number of " + unit + ", got '" + v + "'");
  }
}
