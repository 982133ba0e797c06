package kz.qazedu.bundle.crm;

import java.util.concurrent.ExecutorService;

import org.apache.camel.CamelContext;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
public class CrmConfiguration {

    /** The threads that send to the CRM: {@code CRM_CONCURRENCY} deliveries in flight at most. */
    @Bean(destroyMethod = "")
    ExecutorService crmSenders(CamelContext camelContext, @Value("${bundle.crm.concurrency}") int concurrency) {
        return camelContext.getExecutorServiceManager().newFixedThreadPool(this, "crm-sender", concurrency);
    }
}
