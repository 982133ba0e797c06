package kz.qazedu.bundle.console;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The console in a real headless browser (Debian's chromium through its chromedriver; {@code .ci/run} installs
 * them): sign in with the API token, create an instance, see its QR code, and see it turn connected once Evolution
 * posts {@code connection.update} open; a message posted as a webhook in the latest events, filtered by the number;
 * the page in Russian. Screenshots under {@code target/console/}.
 */
// its own context (own properties): closed after the class, so that its relay and broker do not take events of
// the tests that follow on the shared database
@DirtiesContext
class ConsoleBrowserTest extends IntegrationTest {

    private static final WireMockServer EVOLUTION = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    /** A 1x1 PNG, as Evolution's data URL carries the QR image. */
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    private static final Path SCREENSHOTS = Path.of("target", "console");

    private ChromeDriver browser;
    private WebDriverWait wait;

    @DynamicPropertySource
    static void evolution(DynamicPropertyRegistry properties) {
        if (!EVOLUTION.isRunning()) {
            EVOLUTION.start();
        }
        properties.add("bundle.evolution.url", () -> "http://127.0.0.1:" + EVOLUTION.port());
        properties.add("bundle.evolution.api-key", () -> "console-test-key");
    }

    @AfterAll
    static void stop() {
        EVOLUTION.stop();
    }

    @BeforeEach
    void openBrowser() {
        File driver = new File("/usr/bin/chromedriver");
        File chromium = new File("/usr/bin/chromium");
        assertThat(driver.canExecute() && chromium.canExecute())
                .as("chromium and chromedriver are not installed: .ci/run installs them with"
                        + " `apt-get install -y --no-install-recommends chromium chromium-driver`")
                .isTrue();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=en-GB");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort()
                .build(), options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void anAdminCreatesANumberScansItsQrCodeAndSeesItConnected() throws Exception {
        String name = "clinic-" + UUID.randomUUID().toString().substring(0, 8);
        EVOLUTION.stubFor(post(urlEqualTo("/instance/create")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"instance":{"instanceName":"%s","status":"connecting"},"hash":"X",
                         "qrcode":{"pairingCode":null,"code":"2@qr","base64":"data:image/png;base64,%s","count":1}}
                        """.formatted(name, PNG))));
        EVOLUTION.stubFor(get(urlPathMatching("/instance/connect/" + name)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"pairingCode\":\"WZYEH1YY\",\"code\":\"2@qr\",\"base64\":\"data:image/png;base64," + PNG
                        + "\",\"count\":2}")));

        browser.get("http://127.0.0.1:" + httpPort(camelContext) + "/console");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys("test-api-token");
        browser.findElement(By.cssSelector("#sign-in button")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-name"))).sendKeys(name);
        browser.findElement(By.cssSelector("#create button")).click();

        By card = By.cssSelector("[data-instance='" + name + "']");
        WebElement qr = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(
                "[data-instance='" + name + "'] img.qr-image")));
        assertThat(qr.getAttribute("src")).startsWith("data:image/png;base64,");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(card, "WZYEH1YY"));
        assertThat(browser.findElement(card).getAttribute("data-state")).isEqualTo("connecting");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("backlog"), "Waiting for the CRM"));
        screenshot("1-qr-code");

        assertThat(webhooks.post("/webhook/evolution", EvolutionSamples.sample("connection.update.open.json", name)
                .toString(), "X-Webhook-Token", "test-webhook-token").status()).isEqualTo(202);

        wait.until(ExpectedConditions.attributeToBe(card, "data-state", "open"));
        assertThat(browser.findElements(By.cssSelector("[data-instance='" + name + "'] img.qr-image"))).isEmpty();
        assertThat(browser.findElement(card).getText()).contains("connected");
        screenshot("2-connected");

        // a message arrives: the latest events show it, also filtered by the number
        assertThat(webhooks.post("/webhook/evolution", EvolutionSamples.sample("messages.upsert.text.json", name)
                .toString(), "X-Webhook-Token", "test-webhook-token").status()).isEqualTo(202);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("events"),
                "Hello! What time does the clinic open tomorrow"));
        browser.findElement(By.id("events-instance")).sendKeys(name);
        browser.findElement(By.cssSelector("#events-filter button[type='submit']")).click();
        wait.until(driver -> {
            List<WebElement> rows = driver.findElements(By.cssSelector("#events tr.event"));
            return rows.size() == 2 && rows.stream().allMatch(row -> name.equals(row.getAttribute("data-instance")));
        });
        List<WebElement> rows = browser.findElements(By.cssSelector("#events tr.event"));
        assertThat(rows.get(0).getText()).contains("messages.upsert", "Hello! What time does the clinic open");
        assertThat(rows.get(1).getText()).contains("connection.update", "open (200)");
        // Hawtio is off: no link to it
        assertThat(browser.findElements(By.id("hawtio"))).isEmpty();
        screenshot("3-latest-events");

        browser.findElement(By.id("language")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "Номера WhatsApp"));
        assertThat(browser.findElement(card).getText()).contains("подключён");
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("Последние события");
        screenshot("4-russian");
        // the token lives in the tab's session storage only, never in the page
        assertThat(browser.getPageSource()).doesNotContain("test-api-token");
    }

    @Test
    void aWrongTokenIsRefusedAndThePageHoldsNoSecret() {
        browser.get("http://127.0.0.1:" + httpPort(camelContext) + "/console/");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys("not-the-token");
        browser.findElement(By.cssSelector("#sign-in button")).click();

        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertThat(browser.findElement(By.id("error")).getText()).contains("refused");
        assertThat(browser.findElements(By.id("token"))).hasSize(1);
    }

    private void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
}
