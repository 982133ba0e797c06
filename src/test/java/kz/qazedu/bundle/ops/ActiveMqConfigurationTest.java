package kz.qazedu.bundle.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import jakarta.jms.Connection;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.RedeliveryPolicy;
import org.apache.activemq.broker.BrokerFactory;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.TransportConnector;
import org.apache.activemq.broker.region.group.MessageGroupHashBucketFactory;
import org.apache.activemq.broker.region.policy.IndividualDeadLetterStrategy;
import org.apache.activemq.broker.region.policy.PolicyEntry;
import org.apache.activemq.command.ActiveMQQueue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

/**
 * The broker configuration of Docker Compose, {@code src/main/docker/activemq/activemq.xml}: the compose file's
 * {@code activemq} service mounts it and starts the broker with it; it gives every queue a dead-letter queue
 * {@code DLQ.<queue>}, maps message groups by hash buckets (every chat keeps its consumer, however many chats), and
 * requires the login of {@code conf/credentials.properties}. A real broker started from the file (ActiveMQ's own
 * XML loader, which checks it against the ActiveMQ 6.2 schema) shows each of these.
 */
class ActiveMqConfigurationTest {

    private static final Path CONFIG = Path.of("src/main/docker/activemq/activemq.xml");
    private static final Path COMPOSE_FILE = Path.of("docker-compose.yml");
    private static final String ACTIVEMQ_IMAGE = "apache/activemq-classic:";
    private static final String CORE = "http://activemq.apache.org/schema/core";
    private static final String BEANS = "http://www.springframework.org/schema/beans";
    private static final int BUCKETS = 1024;

    private static Document config;

    @TempDir
    Path temp;

    @BeforeAll
    static void parse() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        config = factory.newDocumentBuilder().parse(CONFIG.toFile());
    }

    @Test
    void composeStartsTheBrokerWithThisFile() {
        Map<String, Object> compose = new Yaml().load(read(COMPOSE_FILE));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        Map<String, Object> activemq = services.values().stream()
                .filter(service -> String.valueOf(service.get("image")).startsWith(ACTIVEMQ_IMAGE))
                .findFirst().orElseThrow(() -> new AssertionError("no ActiveMQ service in docker-compose.yml"));

        String mount = ((List<?>) activemq.get("volumes")).stream().map(Object::toString)
                .filter(volume -> volume.startsWith("./" + CONFIG + ":"))
                .findFirst().orElseThrow(() -> new AssertionError("the activemq service does not mount " + CONFIG));
        String[] parts = mount.split(":");
        assertThat(parts).as("source:target:ro").hasSize(3);
        assertThat(parts[2]).isEqualTo("ro");
        String target = parts[1];
        assertThat(target).as("beside the image's own configuration, whose jetty.xml it imports")
                .startsWith("/opt/apache-activemq/conf/")
                .isNotEqualTo("/opt/apache-activemq/conf/activemq.xml");

        assertThat((List<?>) activemq.get("command")).map(Object::toString)
                .containsExactly("activemq", "console", "xbean:file:" + target);
    }

    @Test
    void everyQueueHasItsOwnDeadLetterQueueAndHashBucketGroups() {
        Element queues = policyEntry("queue", ">");
        Element deadLetters = only(queues, CORE, "individualDeadLetterStrategy");
        assertThat(deadLetters.getAttribute("queuePrefix")).isEqualTo("DLQ.");
        assertThat(deadLetters.getAttribute("useQueueForQueueMessages")).isEqualTo("true");
        assertThat(((Element) deadLetters.getParentNode()).getLocalName()).isEqualTo("deadLetterStrategy");

        Element groups = only(queues, CORE, "messageGroupHashBucketFactory");
        assertThat(groups.getAttribute("bucketCount")).isEqualTo(String.valueOf(BUCKETS));
        assertThat(((Element) groups.getParentNode()).getLocalName()).isEqualTo("messageGroupMapFactory");
    }

    @Test
    void keepsTheStockStoreConnectorsAndConsoleAndRequiresTheLogin() {
        assertThat(only(config.getDocumentElement(), CORE, "kahaDB").getAttribute("directory"))
                .isEqualTo("${activemq.data}/kahadb");
        assertThat(only(config.getDocumentElement(), CORE, "broker").getAttribute("dataDirectory"))
                .isEqualTo("${activemq.data}");

        List<String> connectors = new ArrayList<>();
        NodeList nodes = config.getElementsByTagNameNS(CORE, "transportConnector");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element connector = (Element) nodes.item(i);
            connectors.add(connector.getAttribute("name") + " " + connector.getAttribute("uri"));
        }
        assertThat(connectors).anySatisfy(c -> assertThat(c).startsWith("openwire tcp://0.0.0.0:61616?"));

        Element login = only(config.getDocumentElement(), CORE, "simpleAuthenticationPlugin");
        assertThat(login.getAttribute("anonymousAccessAllowed")).isNotEqualTo("true");
        Element user = only(login, CORE, "authenticationUser");
        assertThat(user.getAttribute("username")).isEqualTo("${activemq.username}");
        assertThat(user.getAttribute("password")).isEqualTo("${activemq.password}");
        assertThat(read(CONFIG)).contains("file:${activemq.conf}/credentials.properties");

        assertThat(only(config.getDocumentElement(), BEANS, "import").getAttribute("resource")).isEqualTo("jetty.xml");
    }

    @Test
    void aBrokerStartedFromTheFileDeadLettersPerQueueKeepsEveryGroupWithOneConsumerAndWantsTheLogin()
            throws Exception {
        Path conf = Files.createDirectories(temp.resolve("conf"));
        Path file = conf.resolve("bundle-activemq.xml");
        Files.copy(CONFIG, file);
        Files.writeString(conf.resolve("credentials.properties"),
                "activemq.username=stream-user\nactivemq.password=stream-password\n");
        // the web console needs Jetty and the console's web application, which are not on this classpath
        Files.writeString(conf.resolve("jetty.xml"), """
                <beans xmlns="http://www.springframework.org/schema/beans"
                       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                       xsi:schemaLocation="http://www.springframework.org/schema/beans
                                           http://www.springframework.org/schema/beans/spring-beans.xsd"/>
                """);

        String previousConf = System.setProperty("activemq.conf", conf.toString());
        String previousData = System.setProperty("activemq.data", temp.resolve("data").toString());
        BrokerService broker;
        // loaded, not started: the broker would start with the file's XML as it is read
        BrokerFactory.setStartDefault(false);
        try {
            broker = BrokerFactory.createBroker(new URI("xbean:file:" + file), false);
        } finally {
            BrokerFactory.resetStartDefault();
            restore("activemq.conf", previousConf);
            restore("activemq.data", previousData);
        }
        try {
            PolicyEntry queues = broker.getDestinationPolicy().getEntryFor(
                    new ActiveMQQueue("Consumer.store.VirtualTopic.evolution.connection-update"));
            assertThat(queues.getDeadLetterStrategy()).isInstanceOfSatisfying(IndividualDeadLetterStrategy.class,
                    strategy -> {
                        assertThat(strategy.getQueuePrefix()).isEqualTo("DLQ.");
                        assertThat(strategy.isUseQueueForQueueMessages()).isTrue();
                    });
            assertThat(queues.getMessageGroupMapFactory()).isInstanceOfSatisfying(MessageGroupHashBucketFactory.class,
                    factory -> assertThat(factory.getBucketCount()).isEqualTo(BUCKETS));
            assertThat(broker.getTransportConnectors()).extracting(TransportConnector::getName)
                    .contains("openwire");

            // AMQP, STOMP, MQTT and WebSocket need modules this classpath does not have: OpenWire only, on a free port
            for (TransportConnector connector : broker.getTransportConnectors()) {
                broker.removeConnector(connector);
            }
            broker.addConnector("tcp://127.0.0.1:0");
            broker.setUseJmx(false);
            broker.start();
            broker.waitUntilStarted();
            String url = broker.getTransportConnectors().get(0).getConnectUri().toString();

            login(url);
            deadLettersPerQueue(url);
            everyGroupStaysWithOneConsumer(url);
        } finally {
            broker.stop();
            broker.waitUntilStopped();
        }
    }

    private static void login(String url) {
        assertThatThrownBy(() -> open(new ActiveMQConnectionFactory(url)).close())
                .as("anonymous").isInstanceOf(JMSSecurityException.class);
        assertThatThrownBy(() -> open(new ActiveMQConnectionFactory("stream-user", "wrong", url)).close())
                .as("wrong password").isInstanceOf(JMSSecurityException.class);
    }

    private static void deadLettersPerQueue(String url) throws Exception {
        ActiveMQConnectionFactory factory = factory(url);
        RedeliveryPolicy noRedelivery = new RedeliveryPolicy();
        noRedelivery.setMaximumRedeliveries(0);
        factory.setRedeliveryPolicy(noRedelivery);
        try (Connection connection = open(factory)) {
            Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
            Queue queue = session.createQueue("outbound.send");
            session.createProducer(queue).send(session.createTextMessage("poison"));
            session.commit();

            MessageConsumer consumer = session.createConsumer(queue);
            assertThat(consumer.receive(5000)).isNotNull();
            session.rollback();
            consumer.close();

            MessageConsumer deadLetters = session.createConsumer(session.createQueue("DLQ.outbound.send"));
            assertThat(deadLetters.receive(5000)).as("DLQ.outbound.send")
                    .isInstanceOfSatisfying(TextMessage.class, message -> assertThat(text(message)).isEqualTo("poison"));
            session.commit();
            MessageConsumer shared = session.createConsumer(session.createQueue("ActiveMQ.DLQ"));
            assertThat(shared.receive(200)).as("ActiveMQ.DLQ").isNull();
        }
    }

    /**
     * More chats than the stock group map remembers (1,024), each with an event taken by one consumer; then a second
     * consumer arrives (a bundle replica starting, another system's reader) and every chat has one more event: each
     * must go to the consumer that had the chat's first one, in order. The stock map, having forgotten the oldest
     * chats, would hand their events to whichever consumer has room.
     */
    private static void everyGroupStaysWithOneConsumer(String url) throws Exception {
        int groups = 3000;
        ActiveMQConnectionFactory factory = factory(url);
        factory.getPrefetchPolicy().setQueuePrefetch(1);
        Map<String, List<String>> takenBy = new HashMap<>();
        try (Connection connection = open(factory)) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue queue = session.createQueue("groups.test");
            MessageProducer producer = session.createProducer(queue);
            MessageConsumer first = session.createConsumer(queue);
            sendRound(session, producer, groups, 1);
            for (int i = 0; i < groups; i++) {
                take(first.receive(5000), "first", 1, takenBy);
            }

            Session later = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer second = later.createConsumer(queue);
            sendRound(session, producer, groups, 2);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int taken = 0;
            while (taken < groups && System.nanoTime() < deadline) {
                Message next = first.receive(100);
                taken += next != null ? take(next, "first", 2, takenBy) : take(second.receive(100), "second", 2, takenBy);
            }
            assertThat(taken).as("second events taken").isEqualTo(groups);
        }
        assertThat(takenBy).hasSize(groups);
        assertThat(takenBy.entrySet().stream()
                .filter(chat -> !chat.getValue().equals(List.of("first:1", "first:2")))
                .map(chat -> chat.getKey() + " " + chat.getValue()).limit(5))
                .as("chats whose events went to another consumer or out of order").isEmpty();
    }

    private static void sendRound(Session session, MessageProducer producer, int groups, int round) throws Exception {
        for (int group = 0; group < groups; group++) {
            TextMessage message = session.createTextMessage("event");
            message.setStringProperty("JMSXGroupID", "instance|7705" + group + "@s.whatsapp.net");
            message.setIntProperty("round", round);
            producer.send(message);
        }
    }

    private static int take(Message message, String consumer, int round, Map<String, List<String>> takenBy)
            throws Exception {
        if (message == null) {
            return 0;
        }
        assertThat(message.getIntProperty("round")).isEqualTo(round);
        takenBy.computeIfAbsent(message.getStringProperty("JMSXGroupID"), group -> new ArrayList<>())
                .add(consumer + ":" + message.getIntProperty("round"));
        return 1;
    }

    private static ActiveMQConnectionFactory factory(String url) {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("stream-user", "stream-password", url);
        factory.setWatchTopicAdvisories(false);
        return factory;
    }

    private static Connection open(ActiveMQConnectionFactory factory) throws Exception {
        Connection connection = factory.createConnection();
        try {
            connection.start();
            return connection;
        } catch (Exception e) {
            connection.close();
            throw e;
        }
    }

    private static String text(TextMessage message) {
        try {
            return message.getText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Element policyEntry(String kind, String destination) {
        NodeList entries = config.getElementsByTagNameNS(CORE, "policyEntry");
        for (int i = 0; i < entries.getLength(); i++) {
            Element entry = (Element) entries.item(i);
            if (destination.equals(entry.getAttribute(kind))) {
                return entry;
            }
        }
        throw new AssertionError("no policyEntry " + kind + "=\"" + destination + "\" in " + CONFIG);
    }

    private static Element only(Element parent, String namespace, String name) {
        NodeList nodes = parent.getElementsByTagNameNS(namespace, name);
        assertThat(nodes.getLength()).as("<%s> elements in %s", name, parent.getLocalName()).isEqualTo(1);
        return (Element) nodes.item(0);
    }

    private static void restore(String property, String previous) {
        if (previous == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, previous);
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
