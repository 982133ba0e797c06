package kz.qazedu.bundle.support;

import java.io.IOException;
import java.net.ServerSocket;

/** Free TCP ports on loopback, for a broker listener a second bundle process connects to. */
public final class Ports {

    private Ports() {
    }

    public static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
