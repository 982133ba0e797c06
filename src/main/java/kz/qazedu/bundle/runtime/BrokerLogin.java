package kz.qazedu.bundle.runtime;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.apache.activemq.broker.Broker;
import org.apache.activemq.broker.BrokerFilter;
import org.apache.activemq.broker.BrokerPlugin;
import org.apache.activemq.broker.ConnectionContext;
import org.apache.activemq.command.ConnectionInfo;

/**
 * The embedded broker takes a connection only with {@code BROKER_USER} and {@code BROKER_PASSWORD} (compared in
 * constant time), the bundle's own in-process connection included. Written on the broker's plugin interface
 * because ActiveMQ's own {@code SimpleAuthenticationPlugin} needs {@code activemq-jaas}, which the registry this
 * project builds from does not serve.
 */
final class BrokerLogin implements BrokerPlugin {

    private final byte[] user;
    private final byte[] password;

    BrokerLogin(String user, String password) {
        this.user = user.getBytes(StandardCharsets.UTF_8);
        this.password = password.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Broker installPlugin(Broker broker) {
        return new BrokerFilter(broker) {
            @Override
            public void addConnection(ConnectionContext context, ConnectionInfo info) throws Exception {
                if (!matches(user, info.getUserName()) | !matches(password, info.getPassword())) {
                    throw new SecurityException("User name [" + info.getUserName() + "] or password is invalid.");
                }
                super.addConnection(context, info);
            }
        };
    }

    private static boolean matches(byte[] expected, String presented) {
        return presented != null && MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8));
    }
}
