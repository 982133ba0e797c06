package kz.qazedu.bundle;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * The WhatsApp ⇄ CRM bundle: Evolution API webhooks in, ActiveMQ streams and PostgreSQL records out. Spring Security
 * is on the class path for Hawtio's server alone ({@code hawtio.HawtioServer}, a context of its own): the bundle's
 * HTTP server checks its own credentials ({@code edge.RequestGuard}), so Spring Security configures nothing here.
 */
@SpringBootApplication(exclude = {SecurityAutoConfiguration.class, UserDetailsServiceAutoConfiguration.class})
@ConfigurationPropertiesScan
public class BundleApplication {

    public static void main(String[] args) {
        SpringApplication.run(BundleApplication.class, args);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
