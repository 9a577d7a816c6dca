package dev.herald.schema.canonical;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON for states and operations given as maps or JSON text, so that two replicas that
 * hold the same state produce the same bytes and therefore the same hash. Specified in {@code
 * docs/producer-protocol.md} §2; any language can reproduce it.
 *
 * <p>Rules: UTF-8; no whitespace; object members sorted by key in UTF-16 code-unit order (as RFC
 * 8785); strings escape only {@code "}, {@code \} and the control characters U+0000–U+001F (as
 * {@code \b \t \n \f \r} or backslash-u and four lower-case hex digits); numbers as {@link
 * CanonicalNumbers} writes them (exact decimals, no exponent; a binary double as its shortest
 * round-trip decimal); {@code true}, {@code false}, {@code null} as is.
 *
 * <p>Never ambiguous: input that two readers could take for two different values is an error, never
 * silently rewritten — JSON text with a duplicate member name, with anything but whitespace after
 * the value, with NaN or infinities, or a string (in text or in a Java value) holding an unpaired
 * UTF-16 surrogate. Every error is an {@link IllegalArgumentException} that says what was wrong.
 *
 * <pre>{@code
 * byte[] a = CanonicalJson.ofJson("{ \"b\": 1.50, \"a\": [true, null] }"); // {"a":[true,null],"b":1.5}
 * byte[] b = CanonicalJson.ofValue(Map.of("rate", 0.1 + 0.2));             // {"rate":0.30000000000000004}
 * }</pre>
 */
public final class CanonicalJson {
  /** Deepest nesting of arrays and objects accepted (as Jackson's default read limit). */
  public static final int MAX_DEPTH = 1000;

  /** JSON text: strict RFC 8259, every number read as an exact decimal. */
  private static final ObjectMapper TEXT =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                  .build())
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();

  /** Java values: a double stays a double (converted by {@link CanonicalNumbers}, not Jackson). */
  private static final ObjectMapper VALUES = JsonMapper.builder().build();

  private CanonicalJson() {}

  /** Canonical bytes of JSON text; throws {@link IllegalArgumentException} if it is not JSON. */
  public static byte[] ofJson(String json) {
    if (json.isBlank()) {
      throw new IllegalArgumentException("not valid JSON: the text is empty");
    }
    JsonNode node;
    try {
      node = TEXT.readTree(json);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new IllegalArgumentException(
          "not valid JSON"
              + (at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr())
              + ": "
              + e.getOriginalMessage(),
          e);
    }
    return of(node);
  }

  /**
   * Canonical bytes of a value made of maps (with string keys), lists, strings, numbers, booleans
   * and nulls.
   */
  public static byte[] ofValue(Object value) {
    checkKeys(value, new IdentityHashMap<>(), 0);
    return of(VALUES.valueToTree(value));
  }

  /** Canonical bytes of a Jackson tree. */
  public static byte[] of(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    write(node, sb, 0);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void checkKeys(Object value, Map<Object, Boolean> path, int depth) {
    if (!(value instanceof Map<?, ?>) && !(value instanceof Collection<?>)) {
      return;
    }
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "a value nested deeper than " + MAX_DEPTH + " levels cannot be canonicalised");
    }
    if (path.put(value, Boolean.TRUE) != null) {
      throw new IllegalArgumentException("a value that contains itself cannot be canonicalised");
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String)) {
          throw new IllegalArgumentException(
              "map keys must be strings to be canonicalised; found "
                  + (e.getKey() == null ? "null" : e.getKey().getClass().getSimpleName())
                  + " key "
                  + e.getKey());
        }
        checkKeys(e.getValue(), path, depth + 1);
      }
    } else {
      for (Object item : (Collection<?>) value) {
        checkKeys(item, path, depth + 1);
      }
    }
    path.remove(value);
  }

  private static void write(JsonNode node, StringBuilder sb, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "a value nested deeper than " + MAX_DEPTH + " levels cannot be canonicalised");
    }
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<String> names = new ArrayList<>(node.size());
        Iterator<String> it = node.fieldNames();
        it.forEachRemaining(names::add);
        names.sort(String::compareTo); // UTF-16 code units, as RFC 8785
        sb.append('{');
        for (int i = 0; i < names.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          string(names.get(i), sb);
          sb.append(':');
          write(node.get(names.get(i)), sb, depth + 1);
        }
        sb.append('}');
      }
      case ARRAY -> {
        sb.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          write(node.get(i), sb, depth + 1);
        }
        sb.append(']');
      }
      case STRING -> string(node.textValue(), sb);
      case NUMBER -> sb.append(number(node));
      case BOOLEAN -> sb.append(node.booleanValue());
      case NULL -> sb.append("null");
      default ->
          throw new IllegalArgumentException(
              "cannot canonicalise a JSON "
                  + node.getNodeType()
                  + " value; use maps, lists, strings, numbers, booleans and nulls");
    }
  }

  private static String number(JsonNode node) {
    if (node.isDouble()) {
      return CanonicalNumbers.of(node.doubleValue());
    }
    if (node.isFloat()) {
      return CanonicalNumbers.of((double) node.floatValue()); // widened exactly
    }
    if (node.isIntegralNumber()) {
      return CanonicalNumbers.of(node.bigIntegerValue());
    }
    return CanonicalNumbers.of(node.decimalValue());
  }

  private static void string(String s, StringBuilder sb) {
    Utf16.requireWellFormed(s, "a JSON string");
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\b' -> sb.append("\\b");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        case '\f' -> sb.append("\\f");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c < 0x20) {
            sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();
}
