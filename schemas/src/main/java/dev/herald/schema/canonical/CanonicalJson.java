package dev.herald.schema.canonical;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON for states and operations given as maps or JSON text, so that two replicas that
 * hold the same state produce the same bytes and therefore the same hash.
 *
 * <p>Rules (docs/producer-protocol.md): UTF-8; no whitespace; object members sorted by key in
 * UTF-16 code-unit order (as RFC 8785); strings escape only {@code "}, {@code \} and control
 * characters (as {@code \b \t \n \f \r} or backslash-u and four lower-case hex digits); numbers are
 * exact decimals with trailing zeros removed and no exponent ({@code 1.50 → 1.5}, {@code 1e2 →
 * 100}, {@code -0 → 0}); {@code true}, {@code false}, {@code null} as is.
 */
public final class CanonicalJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  private CanonicalJson() {}

  /** Canonical bytes of JSON text; throws {@link IllegalArgumentException} if it is not JSON. */
  public static byte[] ofJson(String json) {
    try {
      return of(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "not valid JSON at line "
              + e.getLocation().getLineNr()
              + " column "
              + e.getLocation().getColumnNr()
              + ": "
              + e.getOriginalMessage(),
          e);
    }
  }

  /** Canonical bytes of a value made of maps, lists, strings, numbers, booleans and nulls. */
  public static byte[] ofValue(Object value) {
    if (value instanceof Map<?, ?> map) {
      for (Object key : map.keySet()) {
        if (!(key instanceof String)) {
          throw new IllegalArgumentException(
              "map keys must be strings to be canonicalised; found " + key);
        }
      }
    }
    return of(MAPPER.valueToTree(value));
  }

  /** Canonical bytes of a Jackson tree. */
  public static byte[] of(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    write(node, sb);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void write(JsonNode node, StringBuilder sb) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<String> names = new ArrayList<>();
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
          write(node.get(names.get(i)), sb);
        }
        sb.append('}');
      }
      case ARRAY -> {
        sb.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          write(node.get(i), sb);
        }
        sb.append(']');
      }
      case STRING -> string(node.textValue(), sb);
      case NUMBER -> sb.append(number(node));
      case BOOLEAN -> sb.append(node.booleanValue());
      case NULL -> sb.append("null");
      default ->
          throw new IllegalArgumentException(
              "cannot canonicalise a JSON " + node.getNodeType() + " value");
    }
  }

  private static String number(JsonNode node) {
    if (node.isDouble() || node.isFloat()) {
      double d = node.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException("NaN and infinite numbers cannot be canonicalised");
      }
    }
    BigDecimal decimal = node.decimalValue();
    if (decimal.signum() == 0) {
      return "0";
    }
    return decimal.stripTrailingZeros().toPlainString();
  }

  private static void string(String s, StringBuilder sb) {
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
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
