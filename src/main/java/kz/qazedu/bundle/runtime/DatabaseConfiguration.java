package kz.qazedu.bundle.runtime;

import javax.sql.DataSource;

import org.apache.camel.spring.spi.SpringTransactionPolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.support.JdbcTransactionManager;

/**
 * PostgreSQL transactions. Declared here because the broker's transaction manager would otherwise stop Spring
 * Boot from creating the JDBC one.
 */
@Configuration(proxyBeanMethods = false)
public class DatabaseConfiguration {

    @Bean
    @Primary
    JdbcTransactionManager transactionManager(DataSource dataSource) {
        return new JdbcTransactionManager(dataSource);
    }

    /** Used by routes as {@code transacted: {ref: databaseTransaction}}. */
    @Bean
    SpringTransactionPolicy databaseTransaction(JdbcTransactionManager transactionManager) {
        return new SpringTransactionPolicy(transactionManager);
    }
}
