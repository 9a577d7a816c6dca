package dev.herald.it.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.api.ApiAccess;
import dev.herald.auditor.api.ApiTokens;
import dev.herald.auditor.api.AuditorApi;
import dev.herald.it.support.AuditedBroker;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard of an API with bearer tokens, in Debian's headless Chromium: the page asks for a
 * token when the API answers 401, then shows the alerts, receives new ones live over the
 * authenticated stream, and tells a viewer that evidence is for operators.
 */
@Tag("slow")
class DashboardTokenBrowserIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final String VIEWER = "dashboard-viewer-token-0123456789";

  @TempDir Path profile;

  @Test
  void theDashboardAsksForATokenThenStreamsAlertsWithIt() throws Exception {
    Path chromium = ExternalTool.require("chromium", "chromium");
    Path driver = ExternalTool.require("chromedriver", "chromium-driver");
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    AvroWireFormat<AuditAlert> format = new AvroWireFormat<>(AuditAlert.class, registry);
    ApiTokens tokens =
        ApiTokens.parse(
            "tokens:\n  - {name: browser, role: viewer, sha256: "
                + ApiTokens.digestHex(VIEWER)
                + "}\n");
    ChromeDriver browser = null;
    try (KafkaProducer<String, byte[]> producer = AuditedBroker.producer(KAFKA.bootstrapServers());
        AuditorApi api =
            AuditorApi.builder()
                .kafka(KAFKA.clientProperties())
                .registry(registry)
                .host("127.0.0.1")
                .access(ApiAccess.of("127.0.0.1", tokens, Set.of()))
                .port(0)
                .start()) {
      send(producer, format, alert("before-login"));
      browser = chrome(chromium, driver);
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));

      // Given: the page, which the API refuses without a token
      browser.get("http://localhost:" + api.http().port() + "/");
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login")));
      assertThat(browser.findElement(By.id("login-message")).getText())
          .contains("authentication required");
      assertThat(browser.findElements(By.cssSelector("#alerts tbody tr"))).isEmpty();

      // When: the user enters a viewer token
      browser.findElement(By.id("login-token")).sendKeys(VIEWER);
      browser.findElement(By.cssSelector("#login-form button")).click();

      // Then: alerts load, the stream is live, and a new alert arrives without a reload
      wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("login")));
      wait.until(
          ExpectedConditions.presenceOfElementLocated(
              By.cssSelector("#alerts tr[data-alert-id='before-login']")));
      wait.until(ExpectedConditions.textToBe(By.id("conn"), "stream: live"));
      send(producer, format, alert("after-login"));
      WebElement live =
          wait.until(
              ExpectedConditions.elementToBeClickable(
                  By.cssSelector("#alerts tr[data-alert-id='after-login']")));
      live.click();
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.id("evidence"), "operator role only"));
    } finally {
      if (browser != null) {
        browser.quit();
      }
    }
  }

  private ChromeDriver chrome(Path chromium, Path driver) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--user-data-dir=" + profile.toAbsolutePath());
    return new ChromeDriver(
        new ChromeDriverService.Builder()
            .usingDriverExecutable(driver.toFile())
            .usingAnyFreePort()
            .build(),
        options);
  }

  private static void send(
      KafkaProducer<String, byte[]> producer, AvroWireFormat<AuditAlert> format, AuditAlert a)
      throws Exception {
    producer
        .send(
            new ProducerRecord<>(Topics.ALERTS, a.getAlertId(), format.serialize(Topics.ALERTS, a)))
        .get();
  }

  private static AuditAlert alert(String id) {
    Instant now = Instant.now();
    return AuditAlert.newBuilder()
        .setAlertId(id)
        .setType(AlertType.FORK)
        .setSeverity(Severity.HIGH)
        .setStatus(AlertStatus.OPEN)
        .setGroup("payments")
        .setEntityKey("acct-1")
        .setVersion(3L)
        .setNodes(List.of("n3"))
        .setDetail("written by the test")
        .setDetectedAt(now)
        .setFirstEventTime(now)
        .build();
  }
}
