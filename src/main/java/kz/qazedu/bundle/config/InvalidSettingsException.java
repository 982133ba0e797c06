package kz.qazedu.bundle.config;

import java.util.List;

/** The configuration cannot run the bundle; the message lists every bad setting, one a line. */
public class InvalidSettingsException extends RuntimeException {

    private final List<String> problems;

    public InvalidSettingsException(List<String> problems) {
        super("Invalid configuration, " + problems.size() + (problems.size() == 1 ? " setting" : " settings")
                + " to fix:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per bad setting: {@code CRM_BATCH_SIZE (bundle.crm.batch-size) = -1: must be at least 1}. */
    public List<String> problems() {
        return problems;
    }
}
