package kz.qazedu.bundle.runtime;

import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot's {@code ObjectMapper}, which the bundle's beans share, with Jackson's Blackbird module: records and
 * beans are read and written through accessors reached by generated lambdas instead of reflection, as the CRM path
 * does for every event it forwards.
 */
@Configuration(proxyBeanMethods = false)
public class JsonConfiguration {

    @Bean
    BlackbirdModule blackbirdModule() {
        return new BlackbirdModule();
    }
}
