package dev.paralelo;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps the number of compute threads near the number of cores whatever the number of Java
 * callers. Each large kernel call takes one permit per thread it will run (at least one,
 * waiting for it if none is free; more only if they are free at once) and returns them when it
 * ends. With 8 callers on 2 cores, each runs on its own thread (see below) instead of 8 teams
 * of 2 fighting over 2 cores. Results do not depend on the thread count, so a
 * call that gets fewer threads than asked returns the same bits.
 *
 * <p>Small calls (below the parallel threshold) run on the caller's thread and take no permit.
 *
 * <p>The permits are not handed out in arrival order: a fair semaphore passes each released
 * permit to a parked thread, and waking it (tens of µs on a VM) left the cores idle between
 * calls. 8 callers summing 2^20 doubles at once on 2 cores got 0.43 of one caller's throughput
 * that way, and 0.90 with barging allowed. The price is fairness: a waiting caller can be
 * passed over by callers that come back at once (a review measured, for 8 threads on 2 permits
 * held 200 µs each, a worst wait of 69-118 ms against 6 ms with the fair queue).
 *
 * <p>A call takes at most its share of the cores: the budget divided by the callers in a call
 * or waiting for one, at least one. Without the share, the first of 8 callers on the 16-core
 * Xeon took all 16 permits, the other 7 waited, and the calls ran one after another with a
 * wake-up between each: 8 callers summing 2^20 doubles got 0.51 of one caller's throughput.
 *
 * <p>A caller whose share is one thread takes no permit and does not wait: it runs its call on
 * its own thread, as any Java thread computes, and adds no thread to the machine (the C library
 * runs a call on one thread with no team). The permits only bound the threads that calls add.
 * On the 2-core VM, 8 callers summing 2^20 doubles each on its own thread, every call through
 * the semaphore, got 77-89 GB/s in all against 95-109 for one caller on both cores (four runs).
 */
final class CoreBudget {
    private final Semaphore permits;
    private final int size;
    private final AtomicInteger callers = new AtomicInteger(); // in a call or waiting for one

    CoreBudget(int cores) {
        this.size = cores;
        this.permits = new Semaphore(cores, false);
    }

    int size() {
        return size;
    }

    /**
     * Takes between 1 and want permits, and no more than this caller's share; waits only for
     * the first. Takes none (returns 0, at once) when the share is one thread: the call then
     * runs on the caller's thread alone. Every acquire must be followed by one {@link #release}
     * of what it returned.
     */
    int acquire(int want) {
        if (size / callers.incrementAndGet() <= 1) return 0;
        try {
            permits.acquireUninterruptibly();
        } catch (Throwable t) { // an Error while waiting: not counted as a caller any more
            callers.decrementAndGet();
            throw t;
        }
        // The share as it is once the first permit is ours: a caller that waited behind others
        // and now runs alone gets the whole budget.
        int most = Math.min(want, Math.max(1, size / callers.get()));
        int got = 1;
        while (got < most && permits.tryAcquire()) got++;
        return got;
    }

    /** Gives back what one {@link #acquire} took (0: no permit, only the caller's place). */
    void release(int n) {
        callers.decrementAndGet(); // first: a waiter woken by these permits must not count this caller
        if (n > 0) permits.release(n);
    }
}
