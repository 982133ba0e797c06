package kz.qazedu.bundle.outbound;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * A daily window of local time in which nothing is sent, like {@code 21:00-08:00}: a message from a school at
 * midnight is what gets a number reported. The window may wrap midnight; its start is inside it, its end is not.
 */
public final class QuietHours {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm");
    private static final DateTimeFormatter LENIENT_CLOCK = DateTimeFormatter.ofPattern("H:mm");

    private final LocalTime start;
    private final LocalTime end;

    public QuietHours(LocalTime start, LocalTime end) {
        this.start = Objects.requireNonNull(start, "start");
        this.end = Objects.requireNonNull(end, "end");
        if (start.equals(end)) {
            throw new IllegalArgumentException("quiet hours start and end at the same time: " + this
                    + " (use none for no quiet hours)");
        }
    }

    /** The window written as {@code HH:mm-HH:mm}, or null for a blank text or {@code none}. */
    public static QuietHours parse(String text) {
        if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("none")) {
            return null;
        }
        String[] bounds = text.split("-", -1);
        if (bounds.length != 2) {
            throw new IllegalArgumentException("not quiet hours: '" + text + "' (expected HH:mm-HH:mm, like 21:00-08:00, or none)");
        }
        try {
            return new QuietHours(LocalTime.parse(bounds[0].trim(), LENIENT_CLOCK), LocalTime.parse(bounds[1].trim(), LENIENT_CLOCK));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("not quiet hours: '" + text + "' (expected HH:mm-HH:mm, like 21:00-08:00, or none)", e);
        }
    }

    public LocalTime start() {
        return start;
    }

    public LocalTime end() {
        return end;
    }

    /** Whether {@code time} falls in the window. */
    public boolean contains(LocalTime time) {
        if (start.isBefore(end)) {
            return !time.isBefore(start) && time.isBefore(end);
        }
        return !time.isBefore(start) || time.isBefore(end);
    }

    /**
     * The first end of the window after {@code now}: when {@code now} is quiet, the instant sending may resume.
     * Computed on the zone's local clock, so a day that is 23 or 25 hours long (DST) still ends the window at the
     * right local time; an end inside a DST gap moves forward by the length of the gap.
     */
    public Instant endAfter(Instant now, ZoneId zone) {
        ZonedDateTime local = now.atZone(zone);
        Instant today = local.with(end).toInstant();
        if (today.isAfter(now)) {
            return today;
        }
        return ZonedDateTime.of(local.toLocalDate().plusDays(1), end, zone).toInstant();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof QuietHours that && start.equals(that.start) && end.equals(that.end);
    }

    @Override
    public int hashCode() {
        return Objects.hash(start, end);
    }

    @Override
    public String toString() {
        return CLOCK.format(start) + "-" + CLOCK.format(end);
    }
}
