package dev.paralelo.pool;

/** The transport was closed (by the parent, or because its shared file is gone). */
public final class TransportClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message naming the transport.
     *
     * @param message what was closed and how, for instance the endpoint of the transport
     */
    public TransportClosedException(String message) {
        super(message);
    }
}
