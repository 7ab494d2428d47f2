package dev.paralelo.kernel;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.function.IntConsumer;

/**
 * The pure-Java kernels' threads: a {@link Team} of daemon threads, one per core besides the
 * caller, playing the part of the C library's team, and a {@link ForkJoinPool} of daemon threads
 * for calls that find the team held.
 */
final class Parallel {
    private Parallel() {}

    private static final ForkJoinPool POOL = new ForkJoinPool(Runtime.getRuntime().availableProcessors(), pool -> {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("paralelo-kernel-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false);

    /** A thread that owns nothing: segments it may access are shared, not confined. */
    private static final Thread STRANGER = new Thread(() -> { });

    /** threads, or 1 if x is confined to the calling thread (pool threads may not touch it). */
    static int shareable(int threads, MemorySegment x) {
        return threads <= 1 || !x.isAccessibleBy(STRANGER) ? 1 : threads;
    }

    /**
     * {@link #shareable(int, MemorySegment)} for x and y. These two take no array: a reduction
     * whose caller the JIT compiled without inlining this allocated the varargs array per call.
     */
    static int shareable(int threads, MemorySegment x, MemorySegment y) {
        return shareable(shareable(threads, x), y);
    }

    /** {@link #shareable(int, MemorySegment)} for every segment. */
    static int shareable(int threads, MemorySegment... segs) {
        if (threads <= 1) return 1;
        for (MemorySegment s : segs) if (!s.isAccessibleBy(STRANGER)) return 1;
        return threads;
    }

    /**
     * The team (see {@link Team}), made at the first parallel call; null on a one-core machine, or
     * when its threads could not be started (the pool then runs every call).
     */
    private static final class Held {
        static final Team TEAM = make();

        private static Team make() {
            int cores = Runtime.getRuntime().availableProcessors();
            if (cores < 2) return null;
            try {
                return new Team(Math.min(cores, Team.MAX_SIZE));
            } catch (OutOfMemoryError e) { // no native thread to be had
                return null;
            }
        }
    }

    /**
     * Runs part(0) .. part(parts - 1), part 0 on the calling thread and the others on the team
     * (or in the pool, when another call holds the team), and returns when all have ended. The
     * first exception thrown by a part is rethrown (a RuntimeException or Error keeps its type).
     */
    static void run(int parts, IntConsumer part) {
        if (parts <= 1) {
            part.accept(0);
            return;
        }
        Team team = Held.TEAM;
        if (team != null && team.tryRun(parts, part)) return;
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[parts - 1];
        for (int i = 1; i < parts; i++) {
            int id = i;
            others[i - 1] = POOL.submit(() -> part.accept(id));
        }
        RuntimeException failure = null;
        try {
            part.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (ForkJoinTask<?> t : others) {
            try {
                t.join();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        if (failure != null) throw failure;
    }
}
