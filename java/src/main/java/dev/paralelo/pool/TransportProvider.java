package dev.paralelo.pool;

import java.io.IOException;

/**
 * A kind of transport, found through {@link java.util.ServiceLoader} by its endpoint scheme (the
 * text before the first colon of {@link Transport#endpoint()}): the pool creates the parent's
 * end, and a worker process connects to it from the endpoint alone. Adding a transport means
 * adding a provider; the pool does not change.
 */
public interface TransportProvider {
    /** The scheme this provider serves, for instance {@code shm}. */
    String scheme();

    /**
     * The parent's end of a new transport for the given number of workers, carrying frames of up
     * to maxFrameBytes.
     */
    Transport create(int workers, int maxFrameBytes) throws IOException;

    /** A worker's end, from the endpoint the parent's end reported. */
    WorkerLink connect(String endpoint) throws IOException;
}
