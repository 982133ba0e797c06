package kz.qazedu.bundle.message;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.support.IntegrationTest;
import org.junit.jupiter.api.Test;

/** The message tables (MessageStore, in the relay's round): statuses only move forward, whatever order they arrive in. */
class MessageStatusStoreTest extends IntegrationTest {

    private static final String SENT_ID = "3EB0A7F3C21D9E84B6C0F1";

    @Test
    void statusesMoveTheMessageForward() {
        String instance = uniqueInstance();
        sent(instance);
        post(instance, "messages.update.server-ack.json");
        awaitStatus(instance, "SERVER_ACK");
        post(instance, "messages.update.delivery-ack.json");
        awaitStatus(instance, "DELIVERY_ACK");
        postStatus(instance, "READ");
        awaitStatus(instance, "READ");
    }

    @Test
    void aLateOlderStatusNeverOverwritesANewerOne() {
        String instance = uniqueInstance();
        sent(instance);
        postStatus(instance, "READ");
        awaitStatus(instance, "READ");

        post(instance, "messages.update.server-ack.json");
        post(instance, "messages.update.delivery-ack.json");
        postStatus(instance, "ERROR");
        eventually().until(() -> count("select count(*) from message_status where instance = ?", instance) == 4);

        assertThat(status(instance)).isEqualTo("READ");
        assertThat(jdbc.queryForList("select status from message_status where instance = ? order by status_rank",
                String.class, instance)).containsExactly("SERVER_ACK", "ERROR", "DELIVERY_ACK", "READ");
    }

    @Test
    void anUpdateThatArrivesBeforeItsMessageIsAppliedWhenTheMessageComes() {
        String instance = uniqueInstance();
        postStatus(instance, "READ");
        eventually().until(() -> count("select count(*) from message_status where instance = ?", instance) == 1);

        sent(instance);
        awaitStatus(instance, "READ");
    }

    @Test
    void anErrorIsRecordedForAMessageThatWasNotDelivered() {
        String instance = uniqueInstance();
        sent(instance);
        postStatus(instance, "ERROR");
        awaitStatus(instance, "ERROR");
        postStatus(instance, "PLAYED");
        awaitStatus(instance, "PLAYED");
        postStatus(instance, "DELETED");
        awaitStatus(instance, "DELETED");
    }

    @Test
    void aMessageDeletedForEveryoneIsMarkedDeleted() {
        String instance = uniqueInstance();
        assertThat(webhooks.post(sample("messages.upsert.image-caption.json", instance)).status()).isEqualTo(202);
        assertThat(webhooks.post(sample("messages.delete.json", instance)).status()).isEqualTo(202);
        eventually().until(() -> "DELETED".equals(jdbc.queryForList(
                "select status from message where instance = ? and wa_message_id = ?", String.class, instance,
                "ACB41F90D2E6A3B7C85D19E0F4A62B31").stream().findFirst().orElse(null)));
    }

    @Test
    void olderVersionsNumericStatusesAreUnderstood() {
        String instance = uniqueInstance();
        sent(instance);
        postStatus(instance, "4");
        awaitStatus(instance, "READ");
    }

    @Test
    void aMessageItsStatusesAndARepeatInOneRelayRoundEndAtTheHighestStatus() {
        String instance = uniqueInstance();
        ObjectNode read = sample("messages.update.delivery-ack.json", instance);
        read.with("data").put("status", "READ");
        // journaled in one transaction: the relay takes them in one round, statuses before and after the message
        jdbc.execute((org.springframework.jdbc.core.ConnectionCallback<Void>) connection -> {
            connection.setAutoCommit(false);
            var template = new org.springframework.jdbc.core.JdbcTemplate(
                    new org.springframework.jdbc.datasource.SingleConnectionDataSource(connection, true));
            journal(template, "messages.update", instance, read.toString());
            journal(template, "messages.update", instance, sample("messages.update.server-ack.json", instance).toString());
            journal(template, "send.message", instance, sample("send.message.text.json", instance).toString());
            journal(template, "send.message", instance, sample("send.message.text.json", instance).toString());
            journal(template, "messages.update", instance, sample("messages.update.delivery-ack.json", instance).toString());
            connection.commit();
            connection.setAutoCommit(true);
            return null;
        });

        eventually().until(() -> count("select count(*) from message_status where instance = ?", instance) == 3);
        assertThat(count("select count(*) from message where instance = ?", instance)).isEqualTo(1);
        assertThat(status(instance)).isEqualTo("READ");
    }

    private static void journal(org.springframework.jdbc.core.JdbcTemplate jdbc, String type, String instance,
                                String payload) {
        jdbc.update("""
                with e as (insert into inbound_event (event_id, event_type, instance, payload, received_at)
                           values (?, ?, ?, ?::jsonb, now()) returning seq)
                insert into event_outbox (seq) select seq from e
                """, "evt_" + java.util.UUID.randomUUID().toString().replace("-", ""), type, instance, payload);
    }

    private void sent(String instance) {
        assertThat(webhooks.post(sample("send.message.text.json", instance)).status()).isEqualTo(202);
    }

    private void post(String instance, String sample) {
        assertThat(webhooks.post(sample(sample, instance)).status()).isEqualTo(202);
    }

    private void postStatus(String instance, String status) {
        ObjectNode update = sample("messages.update.delivery-ack.json", instance);
        update.with("data").put("status", status);
        assertThat(webhooks.post(update).status()).isEqualTo(202);
    }

    private void awaitStatus(String instance, String status) {
        eventually().until(() -> status.equals(status(instance)));
    }

    private String status(String instance) {
        return jdbc.queryForList("select status from message where instance = ? and wa_message_id = ?",
                String.class, instance, SENT_ID).stream().findFirst().orElse(null);
    }
}
