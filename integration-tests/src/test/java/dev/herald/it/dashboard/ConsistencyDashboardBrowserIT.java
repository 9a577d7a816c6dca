package dev.herald.it.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The consistency SLO on the auditor's dashboard and {@code /metrics}, with Debian's headless
 * Chromium: consistency windows as the consistency job writes them to {@code herald.consistency.v1}
 * (two groups, one of which loses versions and burns its budget) appear as one line per group in
 * the "Consistency" chart, in the table with the burn-rate alert, and as {@code
 * herald_consistency_share} per group. {@code -Dherald.screenshot=PATH} saves a screenshot of the
 * chart (how {@code docs/consistency-dashboard.png} is made).
 */
@Tag("slow")
class ConsistencyDashboardBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private SignedRecords records;
  private AuditorWeb web;
  private ChromeDriver browser;

  @BeforeEach
  void start(@TempDir Path profile) {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    String need = "no headless browser here (need " + CHROMIUM + " and " + CHROMEDRIVER + ")";
    if (Boolean.getBoolean(DashboardBrowserIT.REQUIRE_BROWSER) || System.getenv("CI") != null) {
      assertTrue(installed, need);
    } else {
      assumeTrue(installed, "skipped: " + need);
    }
    records = new SignedRecords(KAFKA.bootstrapServers(), registry);
    web = new AuditorWeb(KAFKA.bootstrapServers(), registry);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--window-size=1440,1000",
        "--user-data-dir=" + profile.toAbsolutePath());
    browser =
        new ChromeDriver(
            new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build(),
            options);
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
    if (records != null) {
      records.close();
    }
  }

  /** Thirty 1-minute windows of {@code group}; {@code lost} versions of 1 000 per window. */
  private void windows(String group, int... lost) {
    Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    for (int i = 0; i < lost.length; i++) {
      long versions = 1_000;
      long good = versions - lost[i];
      double share = (double) good / versions;
      double burn = (1 - share) / 0.001;
      records.send(
          Topics.CONSISTENCY,
          null,
          group,
          ConsistencyWindow.newBuilder()
              .setGroup(group)
              .setWindowStart(end.minusSeconds(60L * (lost.length - i)))
              .setWindowEnd(end.minusSeconds(60L * (lost.length - i - 1)))
              .setWithinMs(5_000)
              .setVersions(versions)
              .setAgreedWithin(good)
              .setShare(share)
              .setNines(good == versions ? 3.0 : 3.0 - Math.log10(lost[i]))
              .setNinesAtLeast(good == versions)
              .setOutcomes(
                  good == versions
                      ? Map.of("AGREED", versions)
                      : Map.of("AGREED", good, "DIVERGED", (long) lost[i]))
              .setTarget(0.999)
              .setFastWindowMs(300_000)
              .setFastBurnRate(burn)
              .setSlowWindowMs(3_600_000)
              .setSlowBurnRate(burn)
              .setBurnThreshold(14.4)
              .setBurnAlert(burn >= 14.4)
              .setGeneratedAt(Instant.now())
              .build());
    }
  }

  @Test
  void eachGroupsConsistencyIsALineOnTheChartAGaugeAndABurnRateAlert() throws Exception {
    // Given payments losing more and more of its versions (3.1 % in the latest window), orders
    // agreeing on all
    int[] payments = new int[30];
    for (int i = 16; i < 30; i++) {
      payments[i] = 5 + 2 * (i - 16);
    }
    windows("payments", payments);
    windows("orders", new int[30]);

    // When the dashboard has read them
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> get("/api/consistency").contains("\"orders\""));
    browser.get(web.url("/"));

    // Then the chart has a line per group, and the table shows the latest window's alert state
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#consistency svg path"), 2));
    assertThat(browser.findElement(By.cssSelector("#consistency .legend")).getText())
        .contains("group payments")
        .contains("group orders");
    assertThat(browser.findElement(By.id("consistency-now")).getText())
        .contains("100 % (≥ 3.00 nines)")
        .contains("96.9 % (1.51 nines)")
        .contains("burning")
        .contains("5 s");
    String metrics = get("/metrics");
    assertThat(metrics)
        .contains("herald_consistency_share{group=\"orders\"} 1.0")
        .contains("herald_consistency_share{group=\"payments\"} 0.969")
        .contains("herald_consistency_burn_rate{group=\"payments\",window=\"slow\"} 3");

    String shot = System.getProperty("herald.screenshot");
    if (shot != null && !shot.isBlank()) {
      browser.executeScript(
          "document.getElementById('consistency').scrollIntoView({block: 'start'});");
      Files.write(Path.of(shot), browser.getScreenshotAs(OutputType.BYTES));
    }
  }

  private String get(String path) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    return client
        .send(
            HttpRequest.newBuilder(URI.create(web.url(path))).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
