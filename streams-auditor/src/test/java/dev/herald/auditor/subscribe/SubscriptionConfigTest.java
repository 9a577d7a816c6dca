package dev.herald.auditor.subscribe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubscriptionConfigTest {

  @Test
  void readsTheExampleFile() {
    List<Subscription> subs = SubscriptionConfig.load(Path.of("../examples/subscriptions.yaml"));

    assertThat(subs)
        .extracting(Subscription::kind)
        .contains(Subscription.Kind.WEBHOOK, Subscription.Kind.ALERTMANAGER);
  }

  @Test
  void readsFiltersHeadersAndRetry() {
    List<Subscription> subs =
        SubscriptionConfig.parse(
            """
            subscriptions:
              - name: ops
                kind: webhook
                url: http://localhost:9000/hook
                headers: {Authorization: "Bearer x"}
                filter:
                  types: [equivocation, FORK]
                  severities: [CRITICAL]
                  groups: [payments]
                retry: {initialBackoff: 50ms, maxBackoff: 2s}
            """);

    Subscription s = subs.get(0);
    assertThat(s.filter().types())
        .containsExactlyInAnyOrder(AlertType.EQUIVOCATION, AlertType.FORK);
    assertThat(s.filter().severities()).containsExactly(Severity.CRITICAL);
    assertThat(s.headers()).containsEntry("Authorization", "Bearer x");
    assertThat(s.initialBackoff()).isEqualTo(Duration.ofMillis(50));
    assertThat(s.maxBackoff()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void refusesMistakesNamingTheKey() {
    assertThatThrownBy(
            () ->
                SubscriptionConfig.parse(
                    "subscriptions:\n  - {name: a, kind: pager, url: http://x}"))
        .hasMessageContaining("subscriptions[0].kind")
        .hasMessageContaining("webhook, alertmanager");
    assertThatThrownBy(
            () ->
                SubscriptionConfig.parse(
                    "subscriptions:\n  - {name: a, kind: webhook, url: ftp://x}"))
        .hasMessageContaining("subscriptions[0].url");
    assertThatThrownBy(
            () ->
                SubscriptionConfig.parse(
                    "subscriptions:\n  - {name: a, kind: webhook, url: http://x, filter: {types: [NOPE]}}"))
        .hasMessageContaining("subscriptions[0].filter.types")
        .hasMessageContaining("NOPE");
    assertThatThrownBy(
            () ->
                SubscriptionConfig.parse(
                    "subscriptions:\n  - {name: a, kind: webhook, url: http://x, colour: red}"))
        .hasMessageContaining("subscriptions[0].colour: unknown key");
    assertThatThrownBy(
            () ->
                SubscriptionConfig.parse(
                    "subscriptions:\n  - {name: a, kind: webhook, url: http://x}\n  - {name: a, kind: webhook, url: http://y}"))
        .hasMessageContaining("subscriptions[1].name");
    assertThatThrownBy(
            () ->
                SubscriptionConfig.parse(
                    "subscriptions:\n  - {name: a, kind: webhook, url: http://x, retry: {maxBackoff: soon}}"))
        .hasMessageContaining("subscriptions[0].retry.maxBackoff");
  }

  @Test
  void aRefusalNamesTheLineAndColumnOfTheKey() {
    assertThatThrownBy(
            () ->
                SubscriptionConfig.parse(
                    "subscriptions:\n  - name: a\n    kind: webhook\n    url: http://x\n"
                        + "    watchdog: false\n"))
        .isInstanceOf(SubscriptionConfigException.class)
        .hasMessage(
            "line 5, column 5: subscriptions[0].watchdog: applies to kind alertmanager only (a"
                + " webhook gets each alert change once, at least once)");
  }
}
