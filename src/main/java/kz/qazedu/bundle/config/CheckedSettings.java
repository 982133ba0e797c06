package kz.qazedu.bundle.config;

/**
 * A feature's settings: a {@code @ConfigurationProperties} record that says which of its values it cannot work
 * with. {@link SettingsCheck} binds every one of them before the application starts and fails with one message
 * listing every bad setting, so that an operator fixes a deployment in one go instead of one restart per mistake.
 */
public interface CheckedSettings {

    /**
     * Adds a problem for every value that is out of range or does not fit the others. Values that did not bind
     * (a word where a number belongs) arrive as null or zero and are reported by the binding already; the check
     * need not care about them.
     */
    void check(SettingProblems problems);
}
