package kz.qazedu.bundle.instance;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where Evolution reaches the bundle ({@code bundle.public-url}, {@code BUNDLE_PUBLIC_URL}): every instance created
 * or adopted through the bundle gets the webhook {@code <publicUrl>/webhook/evolution}.
 *
 * @param publicUrl the bundle's URL as Evolution sees it, like {@code http://bundle:8080}
 */
@ConfigurationProperties("bundle")
public record BundleAddress(String publicUrl) implements CheckedSettings {

    /** {@link #publicUrl} without trailing slashes. */
    public String base() {
        return publicUrl == null ? "" : publicUrl.trim().replaceAll("/+$", "");
    }

    @Override
    public void check(SettingProblems problems) {
        if (!base().matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")) {
            problems.add("public-url", "must be the http(s) URL at which Evolution reaches the bundle, like"
                    + " http://bundle:8080");
        }
    }
}
