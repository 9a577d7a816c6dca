package dev.herald.auditor.subscribe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads alert subscriptions from YAML (see {@code examples/subscriptions.yaml}), validating every
 * key: a mistake is refused with the key's path and the allowed values.
 *
 * <pre>{@code
 * subscriptions:
 *   - name: ops-webhook
 *     kind: webhook                 # webhook | alertmanager
 *     url: https://ops.example/herald
 *     headers: {Authorization: "Bearer s3cr3t"}
 *     filter:
 *       types: [EQUIVOCATION, FORGED_REPORT]
 *       severities: [CRITICAL]
 *       groups: [payments]
 *       statuses: [OPEN, RESOLVED]
 *     retry: {initialBackoff: 200ms, maxBackoff: 30s}
 *   - name: alertmanager
 *     kind: alertmanager
 *     url: http://alertmanager:9093
 *     resendInterval: 1m            # alertmanager only: active alerts are posted again this often
 *     watchdog: true                # alertmanager only: the always-firing HeraldWatchdog alert
 * }</pre>
 *
 * <pre>{@code
 * List<Subscription> subs = SubscriptionConfig.load(Path.of("subscriptions.yaml"));
 * }</pre>
 */
public final class SubscriptionConfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private SubscriptionConfig() {}

  /** Loads and validates a subscriptions file. */
  public static List<Subscription> load(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new SubscriptionConfigException(file + ": cannot read: " + e.getMessage());
    } catch (SubscriptionConfigException e) {
      throw new SubscriptionConfigException(file + ": " + e.getMessage());
    }
  }

  /** Parses and validates YAML text. */
  public static List<Subscription> parse(String yaml) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SubscriptionConfigException("not valid YAML: " + e.getOriginalMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return List.of();
    }
    onlyKeys(root, "", Set.of("subscriptions"));
    JsonNode list = root.path("subscriptions");
    if (!list.isArray()) {
      throw new SubscriptionConfigException("'subscriptions' must be a list");
    }
    List<Subscription> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "subscriptions[" + i + "]";
      Subscription s = subscription(list.get(i), path);
      if (!names.add(s.name())) {
        throw new SubscriptionConfigException(
            path + ".name: '" + s.name() + "' is used twice; names must be unique");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  private static Subscription subscription(JsonNode n, String path) {
    if (!n.isObject()) {
      throw new SubscriptionConfigException(path + ": must be a mapping with name, kind, url");
    }
    onlyKeys(
        n,
        path,
        Set.of("name", "kind", "url", "headers", "filter", "retry", "resendInterval", "watchdog"));
    String name = required(n, path, "name");
    if (!NAME.matcher(name).matches()) {
      throw new SubscriptionConfigException(
          path + ".name: '" + name + "' must match " + NAME.pattern());
    }
    String kindText = required(n, path, "kind");
    Subscription.Kind kind;
    try {
      kind = Subscription.Kind.valueOf(kindText.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new SubscriptionConfigException(
          path + ".kind: '" + kindText + "' is not one of webhook, alertmanager");
    }
    String urlText = required(n, path, "url");
    URI url;
    try {
      url = new URI(urlText);
    } catch (URISyntaxException e) {
      throw new SubscriptionConfigException(path + ".url: not a URL: " + e.getMessage());
    }
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())
        || url.getHost() == null) {
      throw new SubscriptionConfigException(
          path + ".url: '" + urlText + "' must be an http:// or https:// URL with a host");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    JsonNode h = n.path("headers");
    if (!h.isMissingNode()) {
      if (!h.isObject()) {
        throw new SubscriptionConfigException(
            path + ".headers: must be a mapping of header name to value");
      }
      h.fields().forEachRemaining(f -> headers.put(f.getKey(), f.getValue().asText()));
    }
    Subscription.Filter filter = Subscription.Filter.ALL;
    JsonNode f = n.path("filter");
    if (!f.isMissingNode()) {
      String fp = path + ".filter";
      onlyKeys(f, fp, Set.of("types", "severities", "groups", "statuses"));
      filter =
          new Subscription.Filter(
              enums(f, fp + ".types", "types", AlertType.class, AlertType::valueOf),
              enums(f, fp + ".severities", "severities", Severity.class, Severity::valueOf),
              Set.copyOf(strings(f, fp + ".groups", "groups")),
              enums(f, fp + ".statuses", "statuses", AlertStatus.class, AlertStatus::valueOf));
    }
    Duration initial = Duration.ofMillis(200);
    Duration max = Duration.ofSeconds(30);
    JsonNode r = n.path("retry");
    if (!r.isMissingNode()) {
      String rp = path + ".retry";
      onlyKeys(r, rp, Set.of("initialBackoff", "maxBackoff"));
      if (r.has("initialBackoff")) {
        initial = duration(r.get("initialBackoff").asText(), rp + ".initialBackoff");
      }
      if (r.has("maxBackoff")) {
        max = duration(r.get("maxBackoff").asText(), rp + ".maxBackoff");
      }
      if (max.compareTo(initial) < 0) {
        throw new SubscriptionConfigException(
            rp + ".maxBackoff: must not be less than initialBackoff");
      }
    }
    Duration resend = Subscription.DEFAULT_RESEND_INTERVAL;
    boolean watchdog = true;
    if (kind != Subscription.Kind.ALERTMANAGER && (n.has("resendInterval") || n.has("watchdog"))) {
      throw new SubscriptionConfigException(
          path
              + ": resendInterval and watchdog apply to kind alertmanager only (a webhook gets"
              + " each alert change once, at least once)");
    }
    if (n.has("resendInterval")) {
      resend = duration(n.get("resendInterval").asText(), path + ".resendInterval");
      if (resend.isZero()) {
        throw new SubscriptionConfigException(path + ".resendInterval: must be more than 0");
      }
    }
    if (n.has("watchdog")) {
      JsonNode w = n.get("watchdog");
      if (!w.isBoolean()) {
        throw new SubscriptionConfigException(
            path + ".watchdog: '" + w.asText() + "' is not true or false");
      }
      watchdog = w.booleanValue();
    }
    return new Subscription(
        name, kind, url, Map.copyOf(headers), filter, initial, max, resend, watchdog);
  }

  private static void onlyKeys(JsonNode n, String path, Set<String> allowed) {
    if (!n.isObject()) {
      throw new SubscriptionConfigException(
          (path.isEmpty() ? "the document" : path) + ": must be a mapping");
    }
    n.fieldNames()
        .forEachRemaining(
            k -> {
              if (!allowed.contains(k)) {
                throw new SubscriptionConfigException(
                    (path.isEmpty() ? "" : path + ".")
                        + k
                        + ": unknown key; allowed: "
                        + String.join(", ", allowed.stream().sorted().toList()));
              }
            });
  }

  private static String required(JsonNode n, String path, String key) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull() || v.asText().isBlank()) {
      throw new SubscriptionConfigException(path + "." + key + ": is required");
    }
    return v.asText().trim();
  }

  private static List<String> strings(JsonNode parent, String path, String key) {
    JsonNode v = parent.get(key);
    if (v == null) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new SubscriptionConfigException(path + ": must be a list, e.g. [A, B]");
    }
    List<String> out = new ArrayList<>();
    v.forEach(x -> out.add(x.asText().trim()));
    return out;
  }

  private static <E extends Enum<E>> Set<E> enums(
      JsonNode parent, String path, String key, Class<E> type, Function<String, E> valueOf) {
    Set<E> out = new HashSet<>();
    for (String s : strings(parent, path, key)) {
      try {
        out.add(valueOf.apply(s.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new SubscriptionConfigException(
            path
                + ": '"
                + s
                + "' is not one of "
                + String.join(
                    ", ", Arrays.stream(type.getEnumConstants()).map(Enum::name).toList()));
      }
    }
    return Set.copyOf(out);
  }

  private static Duration duration(String text, String path) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new SubscriptionConfigException(
          path + ": '" + text + "' is not a duration like 200ms, 5s or 1m");
    }
    long v = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(v);
      case "s" -> Duration.ofSeconds(v);
      default -> Duration.ofMinutes(v);
    };
  }
}
