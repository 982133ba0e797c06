package kz.qazedu.bundle.edge;

import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * Lets into a route's headers only what the request sent as HTTP headers, not its query parameters, which
 * {@code platform-http} would otherwise copy in under the same names ({@code ?Authorization=...},
 * {@code ?instance=...} next to the path's {@code {instance}}). Routes that take query parameters read them from
 * {@code CamelHttpQuery} explicitly.
 */
public final class RealHeadersOnly extends HttpHeaderFilterStrategy {

    @Override
    public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
        if (super.applyFilterToExternalHeaders(name, value, exchange)) {
            return true;
        }
        if (exchange.getIn() instanceof HttpMessage message && message.getRequest() != null) {
            return !message.getRequest().headers().getAll(name).contains(String.valueOf(value));
        }
        return false;
    }
}
