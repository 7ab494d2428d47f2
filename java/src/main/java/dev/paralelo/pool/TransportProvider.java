package dev.paralelo.pool;

import java.io.IOException;
import java.util.Map;

/**
 * A kind of transport, found through {@link java.util.ServiceLoader} by its endpoint scheme (the
 * text before the first colon of {@link Transport#endpoint()}): the pool creates the parent's
 * end, and a worker process connects to it from the endpoint alone. Adding a transport means
 * adding a provider; the pool does not change.
 */
public interface TransportProvider {
    /**
     * The scheme this provider serves, for instance {@code shm}.
     *
     * @return the scheme, without the colon
     */
    String scheme();

    /**
     * The parent's end of a new transport for the given number of workers, carrying frames of up
     * to maxFrameBytes.
     *
     * @param workers how many worker processes the pool will start on it, at least 1
     * @param maxFrameBytes the largest frame either direction carries, in bytes
     * @return the parent's end; its {@link Transport#endpoint()} is what the workers connect to
     * @throws IOException if what the transport needs (a shared file, a socket) cannot be created
     */
    Transport create(int workers, int maxFrameBytes) throws IOException;

    /**
     * A worker's end, from the endpoint the parent's end reported.
     *
     * @param endpoint the parent's {@link Transport#endpoint()}, scheme included
     * @return the connected worker's end
     * @throws IOException if the endpoint cannot be reached or opened
     */
    WorkerLink connect(String endpoint) throws IOException;

    /**
     * A worker's end with transport options (for instance the keys of an encrypted network
     * transport: {@code paralelo worker --key FILE --server-key FILE}); the default takes none.
     *
     * @param endpoint the parent's {@link Transport#endpoint()}, scheme included
     * @param options the transport's options by name (empty for none)
     * @return the connected worker's end
     * @throws IOException if the endpoint cannot be reached, or a file an option names cannot be read
     * @throws IllegalArgumentException for an option this transport does not know
     */
    default WorkerLink connect(String endpoint, Map<String, String> options) throws IOException {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("the " + scheme() + " transport takes no options, got " + options.keySet());
        }
        return connect(endpoint);
    }

    /**
     * The parent's end of a transport that listens on endpoint (for instance
     * {@code tcp://*:5555}) for workers that attach by themselves, any number of them, at any
     * time, with options as {@link #connect(String, Map)} takes them. The default: this
     * transport cannot listen.
     *
     * @param endpoint where to listen, scheme included
     * @param maxFrameBytes the largest frame either direction carries, in bytes
     * @param options the transport's options by name (empty for none)
     * @return the parent's end, already listening
     * @throws IOException if the endpoint cannot be bound, or a file an option names cannot be read
     * @throws IllegalArgumentException for a bad endpoint or option, or a setting the transport
     *     refuses (such as plain text on a network address)
     * @throws UnsupportedOperationException if this transport cannot listen
     */
    default Transport listen(String endpoint, int maxFrameBytes, Map<String, String> options) throws IOException {
        throw new UnsupportedOperationException("the " + scheme() + " transport cannot listen for workers");
    }
}
