package dev.paralelo.pool;

import java.io.IOException;

/**
 * A worker process's end of a {@link Transport}: frames from the parent (each taken by this
 * worker alone) and frames back to it. One thread uses a link.
 */
public interface WorkerLink extends AutoCloseable {
    /**
     * The next frame for this worker, waiting at most timeoutNanos (spinning briefly, then
     * sleeping); null if none came.
     *
     * @throws TransportClosedException when the parent closed the transport: the worker exits
     */
    byte[] receive(long timeoutNanos);

    /**
     * Sends frame[off, off + len) to the parent, waiting while its queue is full, at most
     * timeoutNanos; false if it is still full then.
     *
     * @throws TransportClosedException when the parent closed the transport
     */
    boolean send(byte[] frame, int off, int len, long timeoutNanos);

    /** The largest frame either direction carries. */
    int maxFrameBytes();

    /**
     * Whether the parent is alive: its process exists and its heartbeat moved within the last
     * few seconds. A worker checks it while idle and exits when it is false.
     */
    boolean parentAlive();

    /** Disconnects (the transport stays for the other workers). */
    @Override
    void close() throws IOException;
}
