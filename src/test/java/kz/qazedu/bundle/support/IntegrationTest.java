package kz.qazedu.bundle.support;

import java.time.Duration;

import kz.qazedu.bundle.BundleApplication;
import kz.qazedu.bundle.edge.BundleHttpServer;
import org.apache.camel.CamelContext;
import org.apache.camel.support.CamelContextHelper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;

/**
 * The whole bundle in one Spring context: the real HTTP server on a random port, the machine's PostgreSQL, an
 * embedded ActiveMQ broker, metrics exported as in production. Tests isolate themselves by instance name ({@link EvolutionSamples#uniqueInstance}).
 */
@CamelSpringBootTest
// as in production (spring.main.web-application-type=none): no servlet context, even with servlet classes on the
// class path (Hawtio's server brings them, for a context of its own)
@SpringBootTest(classes = BundleApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
@AutoConfigureObservability(tracing = false)
@ActiveProfiles("test")
public abstract class IntegrationTest {

    @Autowired
    protected CamelContext camelContext;

    @Autowired
    protected JdbcTemplate jdbc;

    protected WebhookClient webhooks;

    @BeforeEach
    void connectClient() {
        webhooks = new WebhookClient(httpPort(camelContext));
    }

    public static int httpPort(CamelContext camelContext) {
        return CamelContextHelper.findSingleByType(camelContext, BundleHttpServer.class).port();
    }

    protected static ConditionFactory eventually() {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50));
    }

    /** Events of the instance still waiting in the outbox for the broker. */
    protected int unpublished(String instance) {
        return count("select count(*) from event_outbox o join inbound_event e on e.seq = o.seq where e.instance = ?",
                instance);
    }

    protected int count(String sql, Object... args) {
        Integer n = jdbc.queryForObject(sql, Integer.class, args);
        return n == null ? 0 : n;
    }
}
