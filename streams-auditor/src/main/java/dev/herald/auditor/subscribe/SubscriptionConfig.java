package dev.herald.auditor.subscribe;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import dev.herald.schema.config.ConfigProblem;
import dev.herald.schema.config.ConfigReader;
import dev.herald.schema.config.ConfigReader.Durations;
import dev.herald.schema.config.ConfigReader.PositiveDuration;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  private static final ObjectMapper YAML =
      ConfigReader.strict(YAMLMapper.builder())
          .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
          .build();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private SubscriptionConfig() {}

  record SubscriptionsFile(List<Entry> subscriptions) {}

  /** One subscription as written; the rules between its keys are checked here. */
  record Entry(
      String name,
      @JsonDeserialize(using = KindValue.class) Subscription.Kind kind,
      String url,
      Map<String, Object> headers,
      Filter filter,
      Retry retry,
      @JsonDeserialize(using = PositiveDuration.class) Duration resendInterval,
      Boolean watchdog) {
    Entry {
      for (String[] key : new String[][] {{"name", name}, {"url", url}}) {
        if (key[1] == null || key[1].isBlank()) {
          throw new ConfigProblem(key[0], null, "is required");
        }
      }
      if (kind == null) {
        throw new ConfigProblem("kind", null, "is required: webhook or alertmanager");
      }
      name = name.trim();
      if (!NAME.matcher(name).matches()) {
        throw new ConfigProblem("name", name, "must match " + NAME.pattern());
      }
      url = url.trim();
      if (kind != Subscription.Kind.ALERTMANAGER && (resendInterval != null || watchdog != null)) {
        throw new ConfigProblem(
            resendInterval != null ? "resendInterval" : "watchdog",
            null,
            "applies to kind alertmanager only (a webhook gets each alert change once, at least"
                + " once)");
      }
    }
  }

  record Filter(
      Set<AlertType> types,
      Set<Severity> severities,
      Set<String> groups,
      Set<AlertStatus> statuses) {}

  record Retry(
      @JsonDeserialize(using = Durations.class) Duration initialBackoff,
      @JsonDeserialize(using = Durations.class) Duration maxBackoff) {
    Retry {
      initialBackoff = initialBackoff != null ? initialBackoff : Duration.ofMillis(200);
      maxBackoff = maxBackoff != null ? maxBackoff : Duration.ofSeconds(30);
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new ConfigProblem(
            "maxBackoff",
            ConfigReader.format(maxBackoff),
            "must not be less than initialBackoff (" + ConfigReader.format(initialBackoff) + ")");
      }
    }
  }

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
    try {
      SubscriptionsFile f = ConfigReader.read(YAML, yaml, SubscriptionsFile.class);
      return f == null || f.subscriptions() == null ? List.of() : subscriptions(f.subscriptions());
    } catch (ConfigProblem p) {
      throw new SubscriptionConfigException(ConfigReader.locate(YAML, yaml, p).getMessage());
    }
  }

  private static List<Subscription> subscriptions(List<Entry> entries) {
    List<Subscription> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      String path = "subscriptions[" + i + "]";
      if (e == null) {
        throw new ConfigProblem(path, null, "must be a mapping with name, kind, url");
      }
      if (!names.add(e.name())) {
        throw new ConfigProblem(path + ".name", e.name(), "is used twice; names must be unique");
      }
      out.add(subscription(e, path));
    }
    return List.copyOf(out);
  }

  private static Subscription subscription(Entry e, String path) {
    URI url;
    try {
      url = new URI(e.url());
    } catch (URISyntaxException bad) {
      throw new ConfigProblem(path + ".url", e.url(), "is not a URL: " + bad.getReason());
    }
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())
        || url.getHost() == null) {
      throw new ConfigProblem(
          path + ".url", e.url(), "must be an http:// or https:// URL with a host");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (e.headers() != null) {
      e.headers().forEach((k, v) -> headers.put(k, v == null ? "" : String.valueOf(v)));
    }
    Filter f = e.filter();
    Subscription.Filter filter =
        f == null
            ? Subscription.Filter.ALL
            : new Subscription.Filter(
                f.types() == null ? Set.of() : Set.copyOf(f.types()),
                f.severities() == null ? Set.of() : Set.copyOf(f.severities()),
                f.groups() == null ? Set.of() : Set.copyOf(f.groups()),
                f.statuses() == null ? Set.of() : Set.copyOf(f.statuses()));
    Retry retry = e.retry() != null ? e.retry() : new Retry(null, null);
    return new Subscription(
        e.name(),
        e.kind(),
        url,
        Map.copyOf(headers),
        filter,
        retry.initialBackoff(),
        retry.maxBackoff(),
        e.resendInterval() != null ? e.resendInterval() : Subscription.DEFAULT_RESEND_INTERVAL,
        e.watchdog() == null || e.watchdog());
  }

  /** {@code webhook} or {@code alertmanager}, in any case. */
  static final class KindValue extends ConfigReader.AnyCaseEnum<Subscription.Kind> {
    KindValue() {
      super(Subscription.Kind.class);
    }
  }
}
