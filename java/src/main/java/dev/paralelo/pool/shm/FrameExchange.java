package dev.paralelo.pool.shm;

import dev.paralelo.pool.TransportClosedException;

/**
 * One end of a ring file: frames out on one ring and in on the other, waiting with a
 * {@link Backoff} and checking the closed flag while it waits. The parent's end also sweeps
 * both rings ({@link RingSweeper}) while a wait lasts, so a dead worker's half-made or half-read
 * record is freed. Used by one thread at a time (the {@link Backoff} and sweepers are not
 * shared); {@link #shutDown()} may come from any thread.
 */
final class FrameExchange {
    /** A wait starts sweeping after this long, then sweeps every {@link #SWEEP_EVERY_NANOS}. */
    static final long SWEEP_AFTER_NANOS = 1_000_000, SWEEP_EVERY_NANOS = 10_000_000;

    private final RingFile file;
    private final ShmRing out, in;
    private final RingSweeper outSweeper, inSweeper; // the parent's; null at a worker
    private final Backoff backoff = new Backoff();
    private volatile boolean shut;

    FrameExchange(RingFile file, ShmRing out, ShmRing in, RingSweeper outSweeper, RingSweeper inSweeper) {
        this.file = file;
        this.out = out;
        this.in = in;
        this.outSweeper = outSweeper;
        this.inSweeper = inSweeper;
    }

    /** See {@link dev.paralelo.pool.Transport#send}. */
    boolean send(byte[] frame, int off, int len, long timeoutNanos) {
        if (len > out.maxFrameBytes()) {
            throw new IllegalArgumentException("frame of " + len + " bytes is longer than the transport's largest, " + out.maxFrameBytes());
        }
        try {
            checkOpen();
            if (out.offer(frame, off, len)) return true;
            long start = System.nanoTime(), lastSweep = start;
            backoff.reset();
            for (;;) {
                long now = System.nanoTime(), waited = now - start;
                if (waited >= timeoutNanos) return false;
                if (outSweeper != null && waited >= SWEEP_AFTER_NANOS && now - lastSweep >= SWEEP_EVERY_NANOS) {
                    outSweeper.sweep(now);
                    lastSweep = now;
                }
                backoff.idle(timeoutNanos - waited);
                checkOpen();
                if (out.offer(frame, off, len)) return true;
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
    }

    /** See {@link dev.paralelo.pool.Transport#receive}. */
    byte[] receive(long timeoutNanos) {
        try {
            checkOpen();
            byte[] f = in.poll();
            if (f != null) return f;
            long start = System.nanoTime(), lastSweep = start;
            backoff.reset();
            for (;;) {
                long now = System.nanoTime(), waited = now - start;
                if (waited >= timeoutNanos) return null;
                if (inSweeper != null && waited >= SWEEP_AFTER_NANOS && now - lastSweep >= SWEEP_EVERY_NANOS) {
                    inSweeper.sweep(now);
                    lastSweep = now;
                }
                backoff.idle(timeoutNanos - waited);
                checkOpen();
                if ((f = in.poll()) != null) return f;
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
    }

    int maxFrameBytes() {
        return out.maxFrameBytes();
    }

    /** From now on every call fails with TransportClosedException (before the mapping goes). */
    void shutDown() {
        shut = true;
    }

    boolean isShut() {
        return shut;
    }

    private void checkOpen() {
        if (shut) throw new TransportClosedException("the transport " + file.path() + " is closed");
        if (file.closed()) throw new TransportClosedException("the parent closed the transport " + file.path());
    }

    /** A segment closed under a running call is the transport's close, not a bug. */
    private RuntimeException closedOr(IllegalStateException e) {
        if (e instanceof TransportClosedException || !shut) return e;
        TransportClosedException c = new TransportClosedException("the transport " + file.path() + " was closed during the call");
        c.initCause(e);
        return c;
    }
}
