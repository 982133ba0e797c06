package kz.qazedu.bundle.hawtio;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Hawtio's server, only with {@code HAWTIO_ENABLED=true}; without it nothing of Hawtio is created or listens. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(HawtioSettings.class)
public class HawtioConfiguration {

    @Bean
    @ConditionalOnProperty(name = "bundle.hawtio.enabled", havingValue = "true")
    HawtioServer hawtioServer(HawtioSettings settings) {
        return new HawtioServer(settings);
    }
}
