package dev.paralelo.pool.shm;

import java.util.concurrent.locks.LockSupport;

/**
 * How a ring end waits for data or room: spin briefly (a frame usually comes within
 * microseconds in a busy pool), then yield, then sleep. While the end has moved a frame in the
 * last {@link #WARM_NANOS} (a pool between two jobs, a worker between two frames of a job) it
 * sleeps {@link #MIN_SLEEP_NANOS} at a time, so the next frame waits little; after that it sleeps
 * for doubling intervals up to {@link #MAX_SLEEP_NANOS}, so that an idle end costs about a
 * thousand wake-ups a second and no core. Not thread-safe: one per waiting thread.
 */
final class Backoff {
    /** Busy spins before the first yield. */
    static final int SPINS = 200;
    /** Yields before the first sleep. */
    static final int YIELDS = 50;
    /** The shortest sleep (all sleeps while warm) and the longest. */
    static final long MIN_SLEEP_NANOS = 20_000, MAX_SLEEP_NANOS = 1_000_000;
    /** How long after its last frame an end stays warm. */
    static final long WARM_NANOS = 100_000_000;

    private int step;
    private long sleep = MIN_SLEEP_NANOS;
    private long lastFrame = System.nanoTime() - WARM_NANOS;

    /** Starts a new wait. */
    void reset() {
        step = 0;
        sleep = MIN_SLEEP_NANOS;
    }

    /** A frame moved: the end stays warm for {@link #WARM_NANOS} from now. */
    void moved() {
        lastFrame = System.nanoTime();
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
            if (System.nanoTime() - lastFrame >= WARM_NANOS) sleep = Math.min(MAX_SLEEP_NANOS, sleep * 2);
        }
    }
}
