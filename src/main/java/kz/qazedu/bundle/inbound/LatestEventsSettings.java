package kz.qazedu.bundle.inbound;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The latest events API ({@code bundle.events.*}; environment variables and defaults in
 * {@code application.properties}). Every number bounds what one call may cost the journal, which has no index for
 * browsing by instance and gets none: the intake writes it at thousands of events a second.
 *
 * @param pageSize      events in a page when the caller names no {@code limit}
 * @param maxPageSize   the largest {@code limit} a caller may ask for
 * @param instanceScan  with an instance filter, the newest events (before the cursor) looked at in one call
 * @param summaryLength characters of an event's summary (a message's text is cut to it)
 */
@ConfigurationProperties("bundle.events")
public record LatestEventsSettings(int pageSize, int maxPageSize, int instanceScan, int summaryLength) {

    public LatestEventsSettings {
        List<String> problems = new ArrayList<>();
        if (maxPageSize < 1) {
            problems.add("EVENTS_MAX_PAGE_SIZE must be greater than zero");
        }
        if (pageSize < 1 || pageSize > maxPageSize) {
            problems.add("EVENTS_PAGE_SIZE must be from 1 to EVENTS_MAX_PAGE_SIZE");
        }
        if (instanceScan < maxPageSize) {
            problems.add("EVENTS_INSTANCE_SCAN must be at least EVENTS_MAX_PAGE_SIZE");
        }
        if (summaryLength < 10) {
            problems.add("EVENTS_SUMMARY_LENGTH must be at least 10");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid latest events settings: " + String.join("; ", problems));
        }
    }
}
