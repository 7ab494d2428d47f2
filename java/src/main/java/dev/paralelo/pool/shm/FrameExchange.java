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
    /** A ring that stays stuck this long is swept, then every {@link #SWEEP_EVERY_NANOS} while it stays so. */
    static final long SWEEP_AFTER_NANOS = 1_000_000, SWEEP_EVERY_NANOS = 10_000_000;

    /**
     * How long one ring has made no progress for this end, across calls (the pool may poll with
     * a zero timeout), and when it was last swept.
     */
    private static final class Stall {
        private final RingSweeper sweeper; // null at a worker
        private long since = -1, lastSweep;

        Stall(RingSweeper sweeper) {
            this.sweeper = sweeper;
        }

        void progress() {
            since = -1;
        }

        long takeBlocker() {
            return sweeper == null ? 0 : sweeper.takeBlocker();
        }

        void ownerGone(long pid) {
            if (sweeper != null) sweeper.ownerGone(pid);
        }

        /** One sweep now; how many records it freed (0 at a worker). */
        int sweep() {
            if (sweeper == null) return 0;
            int freed = sweeper.sweep(System.nanoTime());
            if (freed > 0) since = -1;
            return freed;
        }

        void stuck(long now) {
            if (sweeper == null) return;
            if (since < 0) {
                since = now;
                lastSweep = now;
            } else if (now - since >= SWEEP_AFTER_NANOS && now - lastSweep >= SWEEP_EVERY_NANOS) {
                lastSweep = now;
                if (sweeper.sweep(now) > 0) since = -1;
            }
        }
    }

    private final RingFile file;
    private final ShmRing out, in;
    private final Stall outStall, inStall;
    private final Backoff backoff = new Backoff();
    private volatile boolean shut;

    FrameExchange(RingFile file, ShmRing out, ShmRing in, RingSweeper outSweeper, RingSweeper inSweeper) {
        this.file = file;
        this.out = out;
        this.in = in;
        this.outStall = new Stall(outSweeper);
        this.inStall = new Stall(inSweeper);
    }

    /** See {@link dev.paralelo.pool.Transport#send}. */
    boolean send(byte[] frame, int off, int len, long timeoutNanos) {
        if (len > out.maxFrameBytes()) {
            throw new IllegalArgumentException("frame of " + len + " bytes is longer than the transport's largest, " + out.maxFrameBytes());
        }
        try {
            checkOpen();
            long start = 0;
            backoff.reset();
            for (boolean first = true; ; first = false) {
                if (out.offer(frame, off, len)) {
                    outStall.progress();
                    backoff.moved();
                    return true;
                }
                long now = System.nanoTime();
                if (first) start = now;
                outStall.stuck(now);
                long waited = now - start;
                if (waited >= timeoutNanos) return false;
                backoff.idle(timeoutNanos - waited);
                checkOpen();
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } catch (InternalError e) {
            throw truncated(e);
        }
    }

    /** See {@link dev.paralelo.pool.Transport#receive}. */
    byte[] receive(long timeoutNanos) {
        try {
            checkOpen();
            long start = 0;
            backoff.reset();
            for (boolean first = true; ; first = false) {
                byte[] f = in.poll();
                if (f != null) {
                    inStall.progress();
                    backoff.moved();
                    return f;
                }
                long now = System.nanoTime();
                if (first) start = now;
                inStall.stuck(now);
                long waited = now - start;
                if (waited >= timeoutNanos) return null;
                backoff.idle(timeoutNanos - waited);
                checkOpen();
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } catch (InternalError e) {
            throw truncated(e);
        }
    }

    int maxFrameBytes() {
        return out.maxFrameBytes();
    }

    /**
     * A process a sweep of either ring found blocking it (see {@link RingSweeper#takeBlocker()}),
     * or 0; 0 once shut. A finding on the other ring waits for the next call. Fails as
     * {@link #receive} does when the file was closed or truncated under it.
     */
    long takeBlocker() {
        return onRings(() -> {
            long a = outStall.takeBlocker();
            return a != 0 ? a : inStall.takeBlocker();
        }, 0L);
    }

    /** call on the rings (parent's end), failing as {@link #receive} does; ifShut once shut. */
    private <T> T onRings(java.util.function.Supplier<T> call, T ifShut) {
        try {
            return shut ? ifShut : call.get();
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } catch (InternalError e) {
            throw truncated(e);
        }
    }

    /** See {@link RingSweeper#ownerGone}: each ring's sweeper frees the record it named under pid, if any. */
    void ownerGone(long pid) {
        onRings(() -> {
            outStall.ownerGone(pid);
            inStall.ownerGone(pid);
            return null;
        }, null);
    }

    /**
     * Sweeps both rings (the parent's end) until a sweep frees nothing, at most 256 times: each
     * sweep frees at most the two records that can block a ring, and dead workers may have left
     * several behind one another; how many it freed. A record behind published frames not yet
     * received is not at the head: receive them, then sweep again.
     */
    int sweep() {
        return onRings(() -> {
            int freed = 0;
            for (int i = 0, f; i < 256 && (f = outStall.sweep() + inStall.sweep()) > 0; i++) freed += f;
            return freed;
        }, 0);
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

    /**
     * The ring file shrank under the mapping (another process truncated it): the JVM's fault on
     * a page past its end, as a clear error (or the close, if the transport closed meanwhile);
     * any other InternalError as it is.
     */
    private RuntimeException truncated(InternalError e) {
        dev.paralelo.internal.MappingFault.orRethrow(e);
        IllegalStateException t = new IllegalStateException("the ring file " + file.path()
                + " was truncated while mapped (by another process?): " + e.getMessage(), e);
        return closedOr(t);
    }

    /** A segment closed under a running call is the transport's close, not a bug. */
    private RuntimeException closedOr(IllegalStateException e) {
        if (e instanceof TransportClosedException || !shut) return e;
        TransportClosedException c = new TransportClosedException("the transport " + file.path() + " was closed during the call");
        c.initCause(e);
        return c;
    }
}
