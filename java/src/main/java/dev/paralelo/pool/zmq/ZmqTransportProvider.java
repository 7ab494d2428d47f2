package dev.paralelo.pool.zmq;

import dev.paralelo.pool.Transport;
import dev.paralelo.pool.TransportProvider;
import dev.paralelo.pool.WorkerLink;
import java.io.IOException;
import java.util.Map;

/**
 * The {@code tcp} transport (ZeroMQ). {@link #create} listens on a free loopback port in plain
 * text, for the pool's own workers; {@link #listen} takes any endpoint and the security options
 * of {@link ZmqSecurity}.
 */
public final class ZmqTransportProvider implements TransportProvider {
    /** The provider ({@link java.util.ServiceLoader} needs a public no-argument constructor). */
    public ZmqTransportProvider() {}

    @Override
    public String scheme() {
        return "tcp";
    }

    @Override
    public Transport create(int workers, int maxFrameBytes) {
        return ZmqTransport.listen("tcp://127.0.0.1:0", maxFrameBytes, ZmqSecurity.PLAIN);
    }

    @Override
    public WorkerLink connect(String endpoint) throws IOException {
        return connect(endpoint, Map.of());
    }

    @Override
    public WorkerLink connect(String endpoint, Map<String, String> options) throws IOException {
        return ZmqWorkerLink.connect(endpoint, options);
    }

    @Override
    public Transport listen(String endpoint, int maxFrameBytes, Map<String, String> options) throws IOException {
        return ZmqTransport.listen(endpoint, maxFrameBytes, options);
    }
}
