package kz.qazedu.bundle.crm;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The forwarder's statements keep a plan that cannot blow up when the table's statistics are stale: a queue table is
 * often analyzed while nothing is pending, and a planner that believes in one pending row once picked a plan that
 * scanned every pending delivery once per delivery of the burst (a claim that ran for minutes with 50,000 waiting).
 * Each case builds that state in a transaction it rolls back: many delivered rows, ANALYZE, then many pending ones.
 */
class CrmDeliveryPlansTest extends IntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void aClaimReadsThePendingDeliveriesByTheirIndexWhenTheStatisticsSayNothingIsPending() {
        List<JsonNode> scans = withStaleStatistics(connection -> {
            List<JsonNode> found = new ArrayList<>();
            collectAll(explain(connection, CrmDeliveries.CLAIM_DUE, 500, 32), found);
            return found;
        });

        assertThat(scans).isNotEmpty().allSatisfy(scan ->
                assertThat(scan.path("Index Name").asText()).isEqualTo("crm_delivery_pending"));
    }

    @Test
    void aRoundIsRecordedByPrimaryKeyWhenTheStatisticsSayNothingIsPending() {
        List<JsonNode> updated = withStaleStatistics(connection -> {
            String[] ids = new String[300];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = "plan-pending-" + i;
            }
            Object[] none = new Object[ids.length];
            return scansUnderUpdate(explain(connection, CrmDeliveries.RECORD_ROUND,
                    connection.createArrayOf("text", ids), connection.createArrayOf("text", fill("delivered", ids.length)),
                    connection.createArrayOf("integer", fill(200, ids.length)), connection.createArrayOf("text", none),
                    connection.createArrayOf("float8", none), connection.createArrayOf("integer", fill(1, ids.length)),
                    connection.createArrayOf("timestamptz", none), connection.createArrayOf("integer", fill(5, ids.length)),
                    1L));
        });

        assertThat(updated).isNotEmpty().allSatisfy(scan ->
                assertThat(scan.path("Index Name").asText()).isEqualTo("crm_delivery_pkey"));
    }

    @Test
    void theTurnLooksForUnfinishedRoundsByPrimaryKeyWhenTheStatisticsSayNothingIsPending() {
        List<JsonNode> updated = withStaleStatistics(connection ->
                scansUnderUpdate(explain(connection, CrmDeliveries.COUNT_UNFINISHED_ROUNDS)));

        assertThat(updated).isNotEmpty().allSatisfy(scan ->
                assertThat(scan.path("Index Name").asText()).isEqualTo("crm_delivery_pkey"));
    }

    /** 20,000 delivered deliveries analyzed, then 20,000 pending ones over 200 chats; rolled back afterwards. */
    private <T> T withStaleStatistics(ConnectionCallback<T> check) {
        String instance = uniqueInstance();
        TransactionTemplate transaction = new TransactionTemplate(transactions);
        return transaction.execute(status -> {
            jdbc.update("""
                    insert into crm_delivery (event_id, seq, ordering_key, instance, event_type, state, delivered_at)
                    select 'plan-delivered-' || i, -i, ? || '|chat' || (i % 200), ?, 'messages.upsert', 'delivered', now()
                      from generate_series(1, 20000) i
                    """, instance, instance);
            jdbc.execute("analyze crm_delivery");
            jdbc.update("""
                    insert into crm_delivery (event_id, seq, ordering_key, instance, event_type, next_attempt_at)
                    select 'plan-pending-' || i, -100000 - i, ? || '|chat' || (i % 200), ?, 'messages.upsert',
                           now() + interval '1 hour'
                      from generate_series(1, 20000) i
                    """, instance, instance);
            T result = jdbc.execute(check);
            status.setRollbackOnly();
            return result;
        });
    }

    private static JsonNode explain(Connection connection, String sql, Object... parameters) throws java.sql.SQLException {
        try (PreparedStatement statement = connection.prepareStatement("explain (format json) " + sql)) {
            for (int i = 0; i < parameters.length; i++) {
                if (parameters[i] instanceof Array array) {
                    statement.setArray(i + 1, array);
                } else {
                    statement.setObject(i + 1, parameters[i]);
                }
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return JSON.readTree(rows.getString(1)).get(0).get("Plan");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Every scan of crm_delivery in the plan. */
    private static void collectAll(JsonNode node, List<JsonNode> scans) {
        if ("crm_delivery".equals(node.path("Relation Name").asText())
                && !"ModifyTable".equals(node.path("Node Type").asText())) {
            scans.add(node);
        }
        node.path("Plans").forEach(child -> collectAll(child, scans));
    }

    /** Every scan of crm_delivery in the subtree of the plan's update. */
    private static List<JsonNode> scansUnderUpdate(JsonNode plan) {
        List<JsonNode> scans = new ArrayList<>();
        collect(plan, false, scans);
        return scans;
    }

    private static void collect(JsonNode node, boolean underUpdate, List<JsonNode> scans) {
        boolean update = underUpdate || "ModifyTable".equals(node.path("Node Type").asText())
                && "Update".equals(node.path("Operation").asText());
        // the update's own subplans only (CTEs it reads are planned once, beside it)
        if (update && "crm_delivery".equals(node.path("Relation Name").asText())
                && !"ModifyTable".equals(node.path("Node Type").asText())) {
            scans.add(node);
        }
        for (JsonNode child : node.path("Plans")) {
            boolean cte = child.has("Subplan Name") && child.path("Subplan Name").asText().startsWith("CTE");
            collect(child, update && !cte, scans);
        }
    }

    private static Object[] fill(Object value, int size) {
        Object[] values = new Object[size];
        java.util.Arrays.fill(values, value);
        return values;
    }
}
