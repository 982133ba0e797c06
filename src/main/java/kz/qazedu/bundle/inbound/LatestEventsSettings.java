package kz.qazedu.bundle.inbound;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
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
public record LatestEventsSettings(int pageSize, int maxPageSize, int instanceScan, int summaryLength)
        implements CheckedSettings {

    @Override
    public void check(SettingProblems problems) {
        problems.atLeast("max-page-size", maxPageSize, 1);
        if (pageSize < 1 || pageSize > maxPageSize) {
            problems.add("page-size", "must be from 1 to bundle.events.max-page-size (EVENTS_MAX_PAGE_SIZE)");
        }
        if (instanceScan < maxPageSize) {
            problems.add("instance-scan", "must be at least bundle.events.max-page-size (EVENTS_MAX_PAGE_SIZE)");
        }
        problems.atLeast("summary-length", summaryLength, 10);
    }
}
