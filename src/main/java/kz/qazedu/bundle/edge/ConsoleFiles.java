package kz.qazedu.bundle.edge;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/** The console's files on the bundle's HTTP server, ahead of the guard's credential check. */
final class ConsoleFiles {

    private ConsoleFiles() {
    }

    /**
     * The console ({@code /console/}): static files from the classpath folder {@code console}, served without
     * credentials because they hold none (the page asks for the API token and sends it with every API call), with
     * headers that keep the page from being framed or from loading anything from elsewhere.
     */
    public static void install(Router router) {
        StaticHandler files = StaticHandler.create("console").setIndexPage("index.html").setCachingEnabled(false)
                .setDirectoryListing(false).setDefaultContentEncoding("UTF-8");
        // a regex: a plain "/console" route would match "/console/" as well and redirect it for ever
        router.routeWithRegex(HttpMethod.GET, "/console").order(-96).handler(ctx -> ctx.redirect("/console/"));
        router.route("/console/*").order(-96).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
            ctx.response().putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:;"
                            + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
                    .putHeader("X-Frame-Options", "DENY")
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer");
            ctx.next();
        });
        router.route("/console/*").order(-95).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(files);
    }
}
