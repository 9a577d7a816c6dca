package dev.herald.auditor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a viewer sees of an entity's reconciled state: who reported which version, never what they
 * claimed. A replica holding a viewer token could otherwise read its peers' state hashes for an
 * open version and report them without applying the operation (security review §4). Every field
 * whose name mentions a hash or an operation is removed at any depth, and a map of node → report
 * becomes the list of its nodes; whatever fields the state gains later are covered by the same
 * rule.
 *
 * <pre>{@code
 * JsonNode safe = EntityRedaction.withoutClaims(mapper.valueToTree(entityState));
 * }</pre>
 */
final class EntityRedaction {
  static final String NOTE = "hashes and operations of reports are shown to the operator role only";

  private EntityRedaction() {}

  static JsonNode withoutClaims(JsonNode state) {
    return redact(state);
  }

  private static JsonNode redact(JsonNode n) {
    if (n.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
      n.fields().forEachRemaining(fields::add);
      for (Map.Entry<String, JsonNode> f : fields) {
        String name = f.getKey();
        if ((name.equals("reports") || name.equals("hashes")) && f.getValue().isObject()) {
          ArrayNode nodes = out.putArray(name.equals("reports") ? "reportedBy" : "nodes");
          f.getValue().fieldNames().forEachRemaining(nodes::add);
          continue;
        }
        if (isClaim(name)) {
          continue;
        }
        out.set(name, redact(f.getValue()));
      }
      return out;
    }
    if (n.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      n.forEach(x -> out.add(redact(x)));
      return out;
    }
    return n;
  }

  private static boolean isClaim(String field) {
    String f = field.toLowerCase(Locale.ROOT);
    // "opId", "opDigest", "agreedOp", "agreedOpId": not "open"
    return f.contains("hash") || f.contains("digest") || f.endsWith("op") || f.endsWith("opid");
  }
}
