package dev.paralelo.pool.shm;

import java.util.concurrent.locks.LockSupport;

/**
 * How a ring end waits for data or room: spin briefly (a frame usually comes within
 * microseconds in a busy pool), then yield, then sleep for doubling intervals up to
 * {@link #MAX_SLEEP_NANOS}, so that an idle waiter costs about a thousand wake-ups a second and
 * no core. Not thread-safe: one per waiting thread.
 */
final class Backoff {
    /** Busy spins before the first yield. */
    static final int SPINS = 200;
    /** Yields before the first sleep. */
    static final int YIELDS = 50;
    /** The first and the longest sleep. */
    static final long MIN_SLEEP_NANOS = 10_000, MAX_SLEEP_NANOS = 1_000_000;

    private int step;
    private long sleep = MIN_SLEEP_NANOS;

    /** Starts a new wait. */
    void reset() {
        step = 0;
        sleep = MIN_SLEEP_NANOS;
    }

    /** Whether the wait has got as far as sleeping (a good moment for slower checks). */
    boolean sleeping() {
        return step >= SPINS + YIELDS;
    }

    /** Waits one step, at most maxNanos. */
    void idle(long maxNanos) {
        if (step < SPINS) {
            step++;
            Thread.onSpinWait();
        } else if (step < SPINS + YIELDS) {
            step++;
            Thread.yield();
        } else {
            LockSupport.parkNanos(Math.min(sleep, Math.max(maxNanos, 1)));
            sleep = Math.min(MAX_SLEEP_NANOS, sleep * 2);
        }
    }
}
