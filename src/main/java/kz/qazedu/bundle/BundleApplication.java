package kz.qazedu.bundle;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * The WhatsApp ⇄ CRM bundle: Evolution API webhooks in, ActiveMQ streams and PostgreSQL records out.
 */
@SpringBootApplication
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
