package dev.paralelo.pool;

import dev.paralelo.DType;
import dev.paralelo.shm.SharedArray;
import java.nio.file.Path;

/** WorkerPoolTest's data and checks, for the transport tests in other packages. */
public final class WorkerPoolTestAccess {
    private WorkerPoolTestAccess() {}

    /** A shared array of n random values of type t, in dir. */
    public static SharedArray array(Path dir, String name, DType t, long n, long seed) throws Exception {
        return WorkerPoolTest.array(dir, name, t, n, seed);
    }

    /** Every reduction of p over a (and a dot with b) against the in-process kernels, bit for bit. */
    public static void assertSameAsInProcess(WorkerPool p, SharedArray a, SharedArray b, String what) {
        WorkerPoolTest.assertSameAsInProcess(p, a, b, what);
    }
}
