package kz.qazedu.bundle.runtime;

import java.io.File;

import jakarta.jms.ConnectionFactory;
import kz.qazedu.bundle.hawtio.HawtioSettings;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.RedeliveryPolicy;
import org.apache.activemq.broker.BrokerPlugin;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.region.group.MessageGroupHashBucketFactory;
import org.apache.activemq.broker.region.policy.IndividualDeadLetterStrategy;
import org.apache.activemq.broker.region.policy.PolicyEntry;
import org.apache.activemq.broker.region.policy.PolicyMap;
import org.apache.activemq.store.SharedFileLocker;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;
import org.apache.camel.spring.spi.SpringTransactionPolicy;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.jms.JmsProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jms.connection.CachingConnectionFactory;
import org.springframework.jms.connection.JmsTransactionManager;
import org.springframework.util.StringUtils;

/**
 * The ActiveMQ side: an embedded broker when no {@code BROKER_URL} is set (persistent, dead-letter queue per
 * queue; in this process only, unless {@code BROKER_EMBEDDED_LISTEN} opens it on TCP to other systems, which then
 * log in with {@code BROKER_USER} and {@code BROKER_PASSWORD}), the client connection factory with the redelivery policy that
 * owns retries of failed queue consumers, and the broker transaction the routes refer to.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(JmsProperties.class)
public class BrokerConfiguration {

    @Bean(initMethod = "start", destroyMethod = "stop")
    @ConditionalOnExpression("'${bundle.broker.url:}'.isBlank()")
    BrokerService embeddedBroker(BrokerSettings settings, HawtioSettings hawtio) throws Exception {
        File directory = new File(settings.dataDir()).getAbsoluteFile();
        BrokerService broker = new BrokerService();
        broker.setBrokerName(settings.embeddedName());
        broker.setDataDirectoryFile(directory);
        broker.setPersistent(true);
        // its queues in Hawtio (MBeans on the JVM's own MBean server, no remote JMX connector) only when Hawtio is on
        broker.setUseJmx(hawtio.enabled());
        if (hawtio.enabled()) {
            broker.getManagementContext().setCreateConnector(false);
        }
        broker.setUseShutdownHook(false);
        broker.setSchedulerSupport(true);

        KahaDBPersistenceAdapter store = new KahaDBPersistenceAdapter();
        store.setDirectory(new File(directory, "kahadb"));
        SharedFileLocker locker = new SharedFileLocker();
        locker.setFailIfLocked(true);
        store.setLocker(locker);
        broker.setPersistenceAdapter(store);

        IndividualDeadLetterStrategy deadLetters = new IndividualDeadLetterStrategy();
        deadLetters.setQueuePrefix("DLQ.");
        deadLetters.setUseQueueForQueueMessages(true);
        PolicyEntry everyDestination = new PolicyEntry();
        everyDestination.setDeadLetterStrategy(deadLetters);
        // per-chat message groups: hash buckets keep dispatch cheap with thousands of chats and a backlog
        everyDestination.setMessageGroupMapFactory(new MessageGroupHashBucketFactory());
        PolicyMap policies = new PolicyMap();
        policies.setDefaultEntry(everyDestination);
        broker.setDestinationPolicy(policies);

        if (StringUtils.hasText(settings.embeddedListen())) {
            // other systems may connect: only with the broker's credentials, never anonymously (BrokerSettings
            // makes sure they are set)
            broker.setPlugins(new BrokerPlugin[] {new BrokerLogin(settings.user(), settings.password())});
            broker.addConnector(settings.embeddedListen());
        }
        return broker;
    }

    @Bean
    ActiveMQConnectionFactory activeMqConnectionFactory(
            ObjectProvider<BrokerService> embeddedBroker,
            BrokerSettings settings) {
        // the embedded broker, when there is one, must be up before anything connects to it
        BrokerService broker = embeddedBroker.getIfAvailable();
        String url = broker != null ? "vm://" + broker.getBrokerName() + "?create=false" : settings.url();
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
        if (StringUtils.hasText(settings.user())) {
            factory.setUserName(settings.user());
            factory.setPassword(settings.password());
        }
        BrokerSettings.Redelivery policy = settings.redelivery();
        long initialDelay = policy.initialDelayMs().toMillis();
        RedeliveryPolicy redelivery = new RedeliveryPolicy();
        redelivery.setMaximumRedeliveries(policy.max());
        redelivery.setInitialRedeliveryDelay(initialDelay);
        redelivery.setRedeliveryDelay(initialDelay);
        redelivery.setUseExponentialBackOff(policy.multiplier() > 1);
        redelivery.setBackOffMultiplier(policy.multiplier());
        redelivery.setMaximumRedeliveryDelay(policy.maxDelayMs().toMillis());
        factory.setRedeliveryPolicy(redelivery);
        factory.setWatchTopicAdvisories(false);
        return factory;
    }

    @Bean
    @Primary
    CachingConnectionFactory jmsConnectionFactory(
            ActiveMQConnectionFactory activeMqConnectionFactory,
            JmsProperties jms) {
        CachingConnectionFactory caching = new CachingConnectionFactory(activeMqConnectionFactory);
        caching.setSessionCacheSize(jms.getCache().getSessionCacheSize());
        caching.setReconnectOnException(true);
        // listener containers cache their own consumers; a cached consumer here would keep prefetching after close
        caching.setCacheConsumers(false);
        return caching;
    }

    @Bean
    JmsTransactionManager jmsTransactionManager(ConnectionFactory jmsConnectionFactory) {
        return new JmsTransactionManager(jmsConnectionFactory);
    }

    /** Used by routes as {@code transacted: {ref: jmsTransaction}}: one broker transaction around their sends. */
    @Bean
    SpringTransactionPolicy jmsTransaction(JmsTransactionManager jmsTransactionManager) {
        return new SpringTransactionPolicy(jmsTransactionManager);
    }
}
