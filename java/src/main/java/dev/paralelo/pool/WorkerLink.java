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
     * @param timeoutNanos how long to wait, in nanoseconds; 0 or less only looks once
     * @return the frame, exactly its length; null on timeout
     * @throws TransportClosedException when the parent closed the transport: the worker exits
     */
    byte[] receive(long timeoutNanos);

    /**
     * Sends frame[off, off + len) to the parent, waiting while its queue is full, at most
     * timeoutNanos; false if it is still full then.
     *
     * @param frame the buffer holding the frame
     * @param off where the frame starts in it
     * @param len the frame's length in bytes, at most {@link #maxFrameBytes()}
     * @param timeoutNanos how long to wait for room, in nanoseconds; 0 or less tries once
     * @return true if the frame was queued; false if there was no room before the timeout
     * @throws TransportClosedException when the parent closed the transport
     * @throws IllegalArgumentException if len is more than {@link #maxFrameBytes()}
     */
    boolean send(byte[] frame, int off, int len, long timeoutNanos);

    /**
     * The largest frame either direction carries.
     *
     * @return the largest frame in bytes; the pool sizes its batches to fit
     */
    int maxFrameBytes();

    /**
     * Whether the parent is alive: its process exists and its heartbeat moved within the last
     * few seconds. A worker checks it while idle and exits when it is false.
     *
     * @return false once the parent closed the transport, its process is gone, or its heartbeat
     *     stood still too long
     */
    boolean parentAlive();

    /** Disconnects (the transport stays for the other workers). */
    @Override
    void close() throws IOException;
}
