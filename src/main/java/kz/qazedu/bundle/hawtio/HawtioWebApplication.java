package kz.qazedu.bundle.hawtio;

import java.io.IOException;
import java.util.Set;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jolokia.support.spring.actuator.JolokiaEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementContextAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.autoconfigure.http.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.autoconfigure.web.embedded.EmbeddedWebServerFactoryCustomizerAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.DispatcherServletAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.error.ErrorMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.context.DelegatingSecurityContextRepository;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * What Hawtio's own context ({@link HawtioServer}) is made of: Tomcat and Spring MVC, the actuator endpoints
 * {@code hawtio} and {@code jolokia} only, and Spring Security in front of every path with HTTP basic and the one
 * user {@code HAWTIO_USER}. Registered by {@link HawtioServer} alone: not a {@code @Configuration}, so that the
 * bundle's component scan never picks it up.
 */
@EnableWebSecurity
@ImportAutoConfiguration({
        ServletWebServerFactoryAutoConfiguration.class,
        EmbeddedWebServerFactoryCustomizerAutoConfiguration.class,
        DispatcherServletAutoConfiguration.class,
        WebMvcAutoConfiguration.class,
        ErrorMvcAutoConfiguration.class,
        JacksonAutoConfiguration.class,
        HttpMessageConvertersAutoConfiguration.class,
        PropertyPlaceholderAutoConfiguration.class,
        EndpointAutoConfiguration.class,
        WebEndpointAutoConfiguration.class,
        // the endpoints' handler mappings, and Hawtio's endpoint, filters and servlets (management context
        // configurations, which this imports as a Spring Boot application with Hawtio would)
        ManagementContextAutoConfiguration.class,
        JolokiaEndpointAutoConfiguration.class,
        SecurityFilterAutoConfiguration.class})
class HawtioWebApplication {

    private static final SecurityContextRepository SESSIONS = new DelegatingSecurityContextRepository(
            new RequestAttributeSecurityContextRepository(), new HttpSessionSecurityContextRepository());

    @Bean
    SecurityFilterChain hawtioSecurity(HttpSecurity http) throws Exception {
        return http
                .authorizeHttpRequests(requests -> requests
                        // a forward (Hawtio's /hawtio/jolokia to /jolokia) or an error page serves a request let in
                        .dispatcherTypeMatchers(DispatcherType.FORWARD, DispatcherType.ERROR).permitAll()
                        .anyRequest().authenticated())
                // a browser's session keeps the login (Hawtio's page calls Jolokia all the time): the password is
                // checked (bcrypt) once per session, not on every request
                .securityContext(context -> context.securityContextRepository(SESSIONS))
                .httpBasic(basic -> basic.realmName("Hawtio").withObjectPostProcessor(
                        new ObjectPostProcessor<BasicAuthenticationFilter>() {
                            @Override
                            public <O extends BasicAuthenticationFilter> O postProcess(O filter) {
                                filter.setSecurityContextRepository(SESSIONS);
                                return filter;
                            }
                        }))
                // Hawtio's page posts to Jolokia without a CSRF token of Spring's; what a browser sends from another
                // site (with the login it keeps) is refused instead
                .csrf(csrf -> csrf.disable())
                .addFilterBefore(new CrossSiteRefusal(), BasicAuthenticationFilter.class)
                .build();
    }

    /**
     * Refuses (403) a request that changes something and that a browser says comes from another site
     * ({@code Sec-Fetch-Site: cross-site}): a page elsewhere cannot use the login a browser remembers for Hawtio to
     * post to Jolokia (stop routes, purge queues).
     */
    static final class CrossSiteRefusal extends OncePerRequestFilter {

        private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (!SAFE_METHODS.contains(request.getMethod())
                    && "cross-site".equalsIgnoreCase(request.getHeader("Sec-Fetch-Site"))) {
                response.sendError(HttpServletResponse.SC_FORBIDDEN, "cross-site request refused");
                return;
            }
            chain.doFilter(request, response);
        }
    }

    @Bean
    UserDetailsService hawtioUsers(HawtioSettings settings) {
        return new InMemoryUserDetailsManager(User.withUsername(settings.user())
                .password(PasswordEncoderFactories.createDelegatingPasswordEncoder().encode(settings.password()))
                .roles("ADMIN")
                .build());
    }
}
