package kz.qazedu.bundle.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ApplicationAvailabilityBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/** Readiness refuses traffic from the moment the application context begins to close. */
class RefuseTrafficWhenClosingTest {

    @Test
    void readinessRefusesTrafficOnceTheContextCloses() {
        AnnotationConfigApplicationContext context =
                new AnnotationConfigApplicationContext(ApplicationAvailabilityBean.class, RefuseTrafficWhenClosing.class);
        ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
        AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
        assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);

        context.close();

        assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
    }
}
