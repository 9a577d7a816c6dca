package dev.herald.it.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in Debian's headless Chromium, served by the real auditor: after the page loaded,
 * node-c of group {@code payments} validly signs two different states for one version of {@code
 * acct-7}; the auditor's reconciliation topology detects the EQUIVOCATION and publishes it, the
 * alert appears over server-sent events without a reload, and its evidence shows both signed
 * reports, re-verified VALID against node-c's registered key.
 *
 * <p>Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} ({@code apt-get install
 * chromium chromium-driver}; {@code .ci/run} installs them). Set {@code -Dherald.screenshot=PATH}
 * to save a screenshot of the dashboard (how {@code docs/dashboard.png} is made).
 */
@Tag("slow")
class DashboardBrowserIT {
  /** System property that turns a missing browser from a skip into a failure (set by CI). */
  static final String REQUIRE_BROWSER = "herald.requireBrowser";

  private static final Path CHROMIUM =
      Path.of(System.getProperty("herald.chromium", "/usr/bin/chromium"));
  private static final Path CHROMEDRIVER =
      Path.of(System.getProperty("herald.chromedriver", "/usr/bin/chromedriver"));
  private static final List<String> PAYMENTS = List.of("node-a", "node-b", "node-c");

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private SignedRecords records;
  private ScheduledExecutorService heartbeats;
  private AuditorWeb web;
  private ChromeDriver browser;

  @BeforeEach
  void start(@TempDir Path profile, @TempDir Path state) {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    String need =
        "no headless browser here (need "
            + CHROMIUM
            + " and "
            + CHROMEDRIVER
            + "; apt-get install -y chromium chromium-driver)";
    // In CI (env CI set, as .ci/run does) or with -Dherald.requireBrowser=true a missing browser
    // fails the build instead of skipping the browser test
    if (Boolean.getBoolean(REQUIRE_BROWSER) || System.getenv("CI") != null) {
      assertTrue(installed, need + "; CI (or -D" + REQUIRE_BROWSER + "=true) requires one");
    } else {
      assumeTrue(installed, "skipped: " + need);
    }
    records = new SignedRecords(KAFKA.bootstrapServers(), registry);
    for (String n : PAYMENTS) {
      records.register(n, "payments");
    }
    records.register("node-d", "orders");
    // every node heartbeats each second, as a live fleet does, so none of them is silent
    AtomicLong beat = new AtomicLong();
    heartbeats = Executors.newSingleThreadScheduledExecutor();
    heartbeats.scheduleAtFixedRate(
        () -> {
          long seq = beat.incrementAndGet();
          PAYMENTS.forEach(n -> records.heartbeat(n, "payments", seq));
          records.heartbeat("node-d", "orders", seq);
        },
        0,
        1,
        TimeUnit.SECONDS);
    records.alert(
        SignedRecords.simple("lag-b", AlertType.REPLICA_LAG, Severity.LOW, "payments", "node-b"));
    records.alert(
        SignedRecords.simple("flood-d", AlertType.FLOOD, Severity.HIGH, "orders", "node-d"));
    records.flinkOutputs("payments", 0.08);
    records.flinkOutputs("orders", 0.01);
    web =
        AuditorWeb.withAuditor(
            KAFKA.bootstrapServers(), registry, AuditPolicy.DEFAULT, "herald-it-browser", state);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1440,1000",
        "--user-data-dir=" + profile.toAbsolutePath());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    browser.manage().window().setSize(new Dimension(1440, 1000));
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (web != null) {
      web.close();
    }
    if (heartbeats != null) {
      heartbeats.shutdownNow();
    }
    if (records != null) {
      records.close();
    }
  }

  @Test
  void theAuditorsEquivocationAppearsLiveAndItsEvidenceVerifies() throws Exception {
    // Given the dashboard loaded and live
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    browser.get(web.url("/"));
    wait.until(ExpectedConditions.textToBe(By.id("conn"), "stream: live"));
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#alerts tr[data-alert-id='lag-b']")));
    Object marker =
        browser.executeScript("window.__heraldNoReload = 42; return window.__heraldNoReload;");

    // When: version 1 of acct-7 is agreed by all three; at version 2 node-c signs two different
    // states (the agreed one and another), then node-a and node-b report the agreed one
    for (String n : PAYMENTS) {
      records.report(n, "payments", "acct-7", 1, null, "balance=50", "op-open");
    }
    RecordMetadata first =
        records.report("node-c", "payments", "acct-7", 2, "balance=50", "balance=100", "op-dep");
    RecordMetadata second =
        records.report("node-c", "payments", "acct-7", 2, "balance=50", "balance=999", "op-dep");
    for (String n : List.of("node-a", "node-b")) {
      records.report(n, "payments", "acct-7", 2, "balance=50", "balance=100", "op-dep");
    }

    // Then: the auditor's alert shows up live
    WebElement row =
        wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#alerts tr[data-type='EQUIVOCATION']")));
    assertThat(browser.executeScript("return window.__heraldNoReload;")).isEqualTo(marker);
    assertThat(row.getText())
        .contains("EQUIVOCATION")
        .contains("CRITICAL")
        .contains("acct-7 v2")
        .contains("node-c")
        .doesNotContain("node-a")
        .doesNotContain("node-b");
    row.click();
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#evidence .evidence"), 2));
    List<WebElement> verdicts =
        browser.findElements(By.cssSelector("#evidence .evidence .verdict"));
    assertThat(verdicts).extracting(WebElement::getText).containsExactly("VALID", "VALID");
    String evidence = browser.findElement(By.id("evidence")).getText();
    assertThat(evidence)
        .contains("acct-7")
        .contains("signature verifies against key")
        .contains(Topics.STATE_CHANGES + "[" + first.partition() + "]@" + first.offset())
        .contains(Topics.STATE_CHANGES + "[" + second.partition() + "]@" + second.offset());
    // the two signed reports claim two different states for the same version
    List<String> stateHashes =
        browser.findElements(By.cssSelector("#evidence .evidence tr td:nth-child(5)")).stream()
            .map(WebElement::getText)
            .toList();
    assertThat(stateHashes).hasSize(2).doesNotHaveDuplicates();
    wait.until(
        ExpectedConditions.attributeContains(
            By.cssSelector("#nodes [data-node='node-c']"), "class", "suspect"));
    assertThat(browser.findElements(By.cssSelector("#alerts tr[data-type='EQUIVOCATION']")))
        .hasSize(1);
    assertThat(browser.findElements(By.cssSelector("#alerts tr[data-type='DIVERGENCE']")))
        .isEmpty();

    String shot = System.getProperty("herald.screenshot");
    if (shot != null && !shot.isBlank()) {
      Files.write(Path.of(shot), browser.getScreenshotAs(OutputType.BYTES));
    }

    // An alert storm keeps the page bounded: the feed holds the newest 200 rows.
    for (int i = 0; i < 230; i++) {
      records.alert(
          SignedRecords.simple("storm-" + i, AlertType.FLOOD, Severity.HIGH, "orders", "node-d"));
    }
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#alerts tr[data-alert-id='storm-229']")));
    assertThat(browser.findElements(By.cssSelector("#alerts tbody tr"))).hasSize(200);
    assertThat(browser.executeScript("return window.__heraldNoReload;")).isEqualTo(marker);
  }
}
