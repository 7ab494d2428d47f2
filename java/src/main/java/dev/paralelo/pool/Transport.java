package dev.paralelo.pool;

import java.io.IOException;

/**
 * The parent's end of a way to reach worker processes: frames out to the workers, each taken by
 * exactly one of them (whichever is free), and frames back from any worker. The pool knows
 * nothing else about a transport; shared-memory rings ({@code dev.paralelo.pool.shm}) and ZeroMQ
 * sockets ({@code dev.paralelo.pool.zmq}) implement it.
 *
 * <p>A frame is an opaque byte string of at most {@link #maxFrameBytes()} bytes (the pool's wire
 * format, docs/PROTOCOL.md). A transport moves frames whole or not at all, never reorders the
 * bytes of one frame, and may deliver frames in any order. It does not retry: a frame a worker
 * took and never answered is the pool's to resend (leases).
 *
 * <p>One thread sends and receives at a time on a parent end (the pool's); {@link #close()} may
 * come from any thread.
 */
public interface Transport extends AutoCloseable {
    /**
     * Queues frame[off, off + len) for the next free worker. Waits while the queue is full, at
     * most timeoutNanos; false if it is still full then.
     *
     * @param frame the buffer holding the frame
     * @param off where the frame starts in frame
     * @param len the frame's length in bytes, at most {@link #maxFrameBytes()}
     * @param timeoutNanos how long to wait for room in the queue, in nanoseconds (0: do not wait)
     * @return true once the frame is queued, false if the queue stayed full for timeoutNanos
     * @throws IllegalArgumentException if len is more than {@link #maxFrameBytes()}
     * @throws TransportClosedException once the transport is closed
     */
    boolean send(byte[] frame, int off, int len, long timeoutNanos);

    /**
     * The next frame a worker sent back, waiting at most timeoutNanos (spinning briefly, then
     * sleeping: an idle wait burns no core); null if none came.
     *
     * @param timeoutNanos how long to wait for a frame, in nanoseconds (0: only look)
     * @return the frame, an array of exactly its length, or null if none came in time
     * @throws TransportClosedException once the transport is closed
     */
    byte[] receive(long timeoutNanos);

    /**
     * The largest frame either direction carries.
     *
     * @return the limit in bytes, fixed when the transport is created
     */
    int maxFrameBytes();

    /**
     * What a worker process needs to connect (the argument of {@code paralelo worker --connect}),
     * for instance {@code shm:/dev/shm/paralelo-pool-1234-0.ring}.
     *
     * @return the endpoint, scheme first ({@code shm:}, {@code tcp://}, {@code ipc://})
     */
    String endpoint();

    /**
     * Tells the workers that the parent is alive (workers exit when the parent's heartbeat stops
     * for a few seconds, or its process is gone). The pool calls it at least every 100 ms.
     */
    void heartbeat();

    /**
     * The workers connected now, for a transport that knows them (workers that attach and detach
     * by themselves, over a network); -1 when it cannot tell, and the pool counts the processes
     * it started instead. The pool waits while this is 0.
     *
     * @return the number of workers connected now, or -1 (the default) when the transport cannot tell
     */
    default int workers() {
        return -1;
    }

    /**
     * How many workers the transport has dropped so far (their heartbeat stopped, or they left).
     * Whatever a dropped worker held is lost: when this grows, the pool sends every task in flight
     * again at once rather than after its lease. Never decreases.
     *
     * @return the count of workers dropped since the transport was created (0 by default)
     */
    default long workersLost() {
        return 0;
    }

    /**
     * A worker process that blocks this transport: it has kept a frame half-sent or half-taken
     * for far longer than a healthy process does (it is stopped, or hung), and no frame behind
     * it can pass until that process dies or goes on. Such a process cannot be bypassed safely:
     * it may resume writing at any moment. The pool kills it when it is one of the pool's own
     * workers, and fails the job otherwise.
     *
     * @return the blocking worker's pid, or 0 when none was found since the last call, or it no
     *     longer holds what it held when found (0 is the default, for transports whose workers
     *     cannot block one another)
     */
    default long blockingWorker() {
        return 0;
    }

    /**
     * Tells the transport that the worker it named by {@link #blockingWorker()} has ended,
     * although its pid names a live process: the pool's worker died and the system gave its pid
     * to another process. The transport may then free what it found that worker holding (only
     * that, and only while it is still held so).
     *
     * @param pid the pid {@link #blockingWorker()} returned, of a worker the pool knows has ended
     */
    default void ownerGone(long pid) {}

    /**
     * Frees now what a worker that has ended left held where it blocks the transport (a frame
     * half-written at the head of the results, or half-read at the tail of the tasks), instead
     * of when a stall next finds it; what waits behind frames not yet received is found once
     * they are. The pool receives what waits and calls this until it frees nothing, before it
     * starts new workers in the place of dead ones, while their pids still name no process.
     * Records of live owners are left alone, and so is a dead owner's record behind one a live
     * worker is still writing (a stall finds it later).
     *
     * @return how many records it freed (0 for transports whose workers cannot block one another)
     */
    default int sweep() {
        return 0;
    }

    /**
     * Tells the workers to exit, releases the transport and removes what it created.
     *
     * @throws IOException if what the transport created (a ring file, a socket) cannot be released
     */
    @Override
    void close() throws IOException;
}
