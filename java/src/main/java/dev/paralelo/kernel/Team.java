package dev.paralelo.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The pure-Java kernels' team: worker threads kept between calls, which a parallel call wakes by
 * one store and waits for by one word per worker; the twin of the C library's team
 * (native/src/team.c).
 *
 * <p>Why not the {@link java.util.concurrent.ForkJoinPool} alone: its workers park as soon as
 * they run out of tasks, and waking a parked thread took 20-30 µs on the 2-core VM this was
 * measured on, often longer than the second thread's share of the call. Here a worker spins
 * (with {@link Thread#onSpinWait}) for {@link #SPIN_NANOS} after its last call, then parks, so
 * calls that follow one another find it awake and an idle process burns no core. On the 2-core
 * AMD EPYC (Zen 5), the Vector API fast sum of 2^20 doubles on two threads read 58.7 GB/s through
 * the pool in the benchmark report's JVM, against 71.2 on one thread. Through the public API,
 * JVMs with the pool and with the team alternating, 6 rounds each, medians of GB/s: fast sum
 * 68.2 -> 87.5 at 2^20 and 108.5 -> 113.6 at 2^22; accurate sum 65.2 -> 98.3 and 78.7 -> 86.9.
 *
 * <p>One caller holds the team at a time; a caller that finds it held (another thread's call,
 * or a part that itself runs in parallel) gets false from {@link #tryRun} and uses the pool.
 * Bits never depend on which threads ran the parts: the callers merge partials exactly.
 */
final class Team {
    /** How long an idle worker spins for the next call before it parks. */
    static final long SPIN_NANOS = 100_000;
    /** Longs of padding on each side of a word that one thread writes and another polls. */
    private static final int PAD = 16;

    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(Team.class, "held", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Worker[] workers;
    /**
     * The current call, read by every worker, in its own lines: its number (bumped per call) <<
     * PARTS_BITS | its part count, one word read whole, so that a worker never pairs one call's
     * number with another's count.
     */
    private final long[] call = new long[2 * PAD];
    private static final int PARTS_BITS = 12;
    /** The most threads a team has (a larger call uses the pool). */
    static final int MAX_SIZE = (1 << PARTS_BITS) - 1;
    /** The current call's body: written before the call is released, read by its workers only. */
    private IntConsumer body;
    @SuppressWarnings("unused") // through HELD
    private volatile boolean held;

    /** A worker: its thread, the last call it finished (in its own lines), and what its part threw. */
    private final class Worker implements Runnable {
        final int id;
        final long[] done = new long[2 * PAD];
        volatile boolean sleeping;
        Throwable failure;
        final Thread thread;

        Worker(int id) {
            this.id = id;
            // No inheritable thread-locals from whichever thread made the team, and the system
            // class loader as context, as the pool's threads have.
            thread = new Thread(null, this, "paralelo-kernel-team-" + id, 0, false);
            thread.setContextClassLoader(ClassLoader.getSystemClassLoader());
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            for (;;) {
                long c = awaitCall(seen);
                seen = c;
                if (id + 1 < (int) (c & ((1 << PARTS_BITS) - 1))) {
                    try {
                        body.accept(id + 1);
                    } catch (Throwable t) {
                        failure = t;
                    }
                }
                WORD.setRelease(done, PAD, c);
            }
        }

        /** The next call after seen: spins for SPIN_NANOS, then parks until the caller unparks it. */
        private long awaitCall(long seen) {
            long since = System.nanoTime();
            for (int spins = 0;; spins++) {
                long c = (long) WORD.getAcquire(call, PAD);
                if (c != seen) return c;
                if ((spins & 63) != 63) {
                    Thread.onSpinWait();
                    continue;
                }
                if (System.nanoTime() - since < SPIN_NANOS) continue;
                sleeping = true; // then look again: the caller either sees this or we see its call
                c = (long) WORD.getVolatile(call, PAD);
                if (c == seen) LockSupport.park(this);
                Thread.interrupted(); // a part that left the flag set would make park return at once, for good
                sleeping = false;
                since = System.nanoTime();
            }
        }
    }

    /**
     * A team of size - 1 workers, started now; the caller is the size-th thread.
     *
     * @param size threads of a call, the caller's included, at least 2
     */
    Team(int size) {
        if (size < 2 || size > MAX_SIZE) throw new IllegalArgumentException("a team of " + size + " threads");
        workers = new Worker[size - 1];
        for (int i = 0; i < workers.length; i++) workers[i] = new Worker(i);
        for (Worker w : workers) w.thread.start();
    }

    /** Threads of a call, the caller's included. */
    int size() {
        return workers.length + 1;
    }

    /**
     * Runs part(0) .. part(n - 1), part 0 on the calling thread and the others on the workers,
     * and returns true when all have ended; false, running nothing, if another call holds the team
     * or n is more than {@link #size()}. The first exception a part threw is rethrown (a
     * RuntimeException or Error as itself) after every part has ended.
     *
     * @param n the number of parts, 2 to {@link #size()}
     * @param part runs one part, given its index
     * @return whether the team ran the parts
     */
    boolean tryRun(int n, IntConsumer part) {
        if (n > size() || !HELD.compareAndSet(this, false, true)) return false;
        try {
            body = part;
            long c = (((long) WORD.get(call, PAD) >>> PARTS_BITS) + 1) << PARTS_BITS | n;
            WORD.setVolatile(call, PAD, c);
            for (int i = 0; i < n - 1; i++) {
                if (workers[i].sleeping) LockSupport.unpark(workers[i].thread);
            }
            Throwable failure = null;
            try {
                part.accept(0);
            } catch (Throwable t) {
                failure = t;
            }
            for (int i = 0; i < n - 1; i++) {
                Worker w = workers[i];
                for (int spins = 0; (long) WORD.getAcquire(w.done, PAD) != c; spins++) {
                    if ((spins & 1023) == 1023) Thread.yield(); // its core may be running someone else
                    else Thread.onSpinWait();
                }
                if (w.failure != null) {
                    if (failure == null) failure = w.failure;
                    w.failure = null;
                }
            }
            body = null;
            if (failure instanceof RuntimeException e) throw e;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new IllegalStateException("a kernel part failed", failure);
            return true;
        } finally {
            HELD.setRelease(this, false);
        }
    }
}
