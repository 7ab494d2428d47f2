package dev.paralelo.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.BlockPartition;
import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.Implementation;
import dev.paralelo.F32Array;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.SliceOp;
import dev.paralelo.shm.SharedArray;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pool's results against the in-process kernels, bit for bit: every kernel, every element
 * type, sizes around block boundaries, 1 to 4 real worker processes.
 */
class WorkerPoolTest {
    @TempDir
    static Path dir;

    static WorkerPool pool;

    @BeforeAll
    static void start() throws Exception {
        // small tasks and an odd batch: many frames, results out of order; leases longer than
        // any stall of a loaded machine, so that statsCountEachTaskOnce sees no reissue
        pool = WorkerPool.builder().workers(2).taskElements(4096).batchSize(3).lease(java.time.Duration.ofMinutes(10)).start();
    }

    @AfterAll
    static void stop() {
        if (pool != null) pool.close();
    }

    static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    /** A shared array of n random values of type t (floats spread over many exponents). */
    static SharedArray array(String name, DType t, long n, long seed) throws Exception {
        return array(dir, name, t, n, seed);
    }

    /** The same, in folder. */
    static SharedArray array(Path folder, String name, DType t, long n, long seed) throws Exception {
        Consumer<NumArray> fill = a -> {
            SplittableRandom r = new SplittableRandom(seed);
            var s = a.segment();
            for (long i = 0; i < n; i++) {
                switch (t) {
                    case F64 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i, r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-5, 6)));
                    case F32 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) (r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-3, 4))));
                    case I64 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i, r.nextLong(-1L << 20, 1L << 20)); // dots fit a long
                    case I32 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i, r.nextInt(-1 << 20, 1 << 20));
                }
            }
        };
        return SharedArray.create(folder.resolve(name + ".npy"), t, new long[] {n}, true, fill);
    }

    static void assertSameAsInProcess(WorkerPool p, SharedArray a, SharedArray b, String what) {
        Kernels k = Kernels.defaults();
        NumArray x = a.array(), y = b.array();
        long n = x.length();
        assertEquals(bits(k.mean(x)), bits(p.mean(a)), what + " mean");
        if (x.dtype().isFloat()) {
            assertEquals(bits(k.dot(x, y)), bits(p.dot(a, b)), what + " dot");
            double s = switch (x) {
                case dev.paralelo.F64Array f -> k.sum(f);
                case dev.paralelo.F32Array f -> k.sum(f);
                default -> throw new AssertionError();
            };
            assertEquals(bits(s), bits(p.sum(a)), what + " sum");
        } else {
            long s = switch (x) {
                case dev.paralelo.I64Array v -> k.sum(v);
                case dev.paralelo.I32Array v -> k.sum(v);
                default -> throw new AssertionError();
            };
            assertEquals(s, p.sumLong(a), what + " sum");
            assertEquals(bits(k.dot(x, y)), bits(p.dot(a, b)), what + " dot");
        }
        for (int ddof = 0; ddof <= 1; ddof++) assertEquals(bits(k.variance(x, ddof)), bits(p.variance(a, ddof)), what + " variance " + ddof);
        if (n > 0) {
            assertEquals(k.argmin(x), ((dev.paralelo.Extremum) p.reduce(dev.paralelo.Reduction.MIN, a)).index(), what + " argmin");
            assertEquals(k.argmax(x), ((dev.paralelo.Extremum) p.reduce(dev.paralelo.Reduction.MAX, a)).index(), what + " argmax");
            for (dev.paralelo.Reduction op : new dev.paralelo.Reduction[] {dev.paralelo.Reduction.MIN, dev.paralelo.Reduction.MAX}) {
                var e = (dev.paralelo.Extremum) k.partial(op, x);
                double want = x.dtype().isFloat() ? e.doubleValue() : e.longValue();
                assertEquals(bits(want), bits(op == dev.paralelo.Reduction.MIN ? p.min(a) : p.max(a)), what + " " + op);
            }
        } else {
            assertThrows(IllegalArgumentException.class, () -> p.min(a));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F64", "F32", "I64", "I32"})
    void everyReductionHasTheInProcessBits(String type) throws Exception {
        DType t = DType.valueOf(type);
        for (long n : new long[] {0, 1, 4095, 4096, 4097, 100_003, 300_000}) {
            try (SharedArray a = array("a", t, n, n); SharedArray b = array("b", t, n, n + 1)) {
                assertSameAsInProcess(pool, a, b, t.label() + " n=" + n);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F64", "F32", "I64", "I32"})
    void sliceReductionsWriteTheInProcessBits(String type) throws Exception {
        DType t = DType.valueOf(type);
        long n = 100_003;
        try (SharedArray a = array("s", t, n, 7)) {
            for (SliceOp op : SliceOp.values()) {
                for (long k : new long[] {1, 1000, 4096, 5000, n + 5}) {
                    long m = n / k + (n % k != 0 ? 1 : 0);
                    DType ot = op.outputType(t);
                    try (SharedArray out = SharedArray.create(dir.resolve("out.npy"), ot, new long[] {m}, true)) {
                        NumArray want = ot == DType.F64 ? dev.paralelo.F64Array.allocate(m) : ot == DType.I64 ? dev.paralelo.I64Array.allocate(m)
                                : ot == DType.F32 ? dev.paralelo.F32Array.allocate(m) : dev.paralelo.I32Array.allocate(m);
                        Kernels.defaults().reduceSlices(op, a.array(), k, want);
                        pool.reduceSlices(op, a, k, out);
                        assertEquals(-1, want.segment().mismatch(out.array().segment()), op + " k=" + k);
                    }
                }
            }
        }
    }

    /**
     * A variance whose sample misleads (every sampled element 1e6, as every 32nd element is, the
     * rest 0) takes a second job around the mean: the in-process bits, exact here.
     */
    @ParameterizedTest
    @ValueSource(strings = {"F64", "F32"})
    void aMisleadingSampleTakesASecondJob(String type) throws Exception {
        DType t = DType.valueOf(type);
        try (SharedArray a = SharedArray.create(dir.resolve("misled.npy"), t, new long[] {3 * 32768}, true, x -> {
            for (long i = 16; i < x.length(); i += 32) {
                if (x instanceof dev.paralelo.F64Array f) f.set(i, 1e6);
                else ((dev.paralelo.F32Array) x).set(i, 1e6f);
            }
        })) {
            assertEquals(bits(1e12 * 31 / 1024), bits(pool.variance(a)));
            assertEquals(bits(Kernels.defaults().variance(a.array(), 1)), bits(pool.variance(a, 1)));
        }
    }

    /** 1 to 4 workers, native and pure-Java worker kernels, adaptive batches: the same bits. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void anyWorkerCountGivesTheSameBits(int workers) throws Exception {
        try (WorkerPool p = WorkerPool.builder().workers(workers).threadsPerWorker(1)
                        .workerKernels(workers % 2 == 0 ? Implementation.NATIVE : Implementation.JAVA).start();
                SharedArray a = array("w", DType.F64, 1_000_003, workers); SharedArray b = array("v", DType.F64, 1_000_003, 99)) {
            assertSameAsInProcess(p, a, b, workers + " workers");
            assertTrue(p.lastJob().tasks() > 1, "the job was split");
        }
    }

    @Test
    void badCallsAreRefusedBeforeAnyTaskIsSent() throws Exception {
        try (SharedArray a = array("x", DType.F64, 10, 1); SharedArray i = array("i", DType.I32, 10, 1)) {
            assertThrows(IllegalArgumentException.class, () -> pool.dot(a, i));
            assertThrows(IllegalArgumentException.class, () -> pool.variance(a, -1));
            assertThrows(IllegalArgumentException.class, () -> pool.reduceSlices(SliceOp.SUM, a, 0, a));
            assertThrows(IllegalArgumentException.class, () -> pool.reduceSlices(SliceOp.SUM, a, 5, i));
            Path raw = dir.resolve("raw-out.f64");
            java.nio.file.Files.write(raw, new byte[16]);
            try (SharedArray out = SharedArray.openRaw(raw, DType.F64, true)) { // workers write into .npy arrays only
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.reduceSlices(SliceOp.SUM, a, 5, out));
                assertTrue(e.getMessage().contains("raw file"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> pool.sumLong(a));
            assertThrows(IllegalArgumentException.class, () -> WorkerPool.builder().workers(-1));
            assertThrows(IllegalArgumentException.class, () -> WorkerPool.builder().workers(WorkerPool.MAX_WORKERS + 1), "a JVM each");
            assertThrows(IllegalArgumentException.class, () -> WorkerPool.builder().workers(0).start(), "0 workers without listening");
            assertThrows(IllegalArgumentException.class, () -> WorkerPool.builder().taskElements(100));
            // durations whose nanoseconds added to a deadline would overflow a long
            assertThrows(IllegalArgumentException.class, () -> WorkerPool.builder().lease(java.time.Duration.ofDays(200_000)));
            assertThrows(IllegalArgumentException.class, () -> WorkerPool.builder().startTimeout(java.time.Duration.ofDays(200_000)));
        }
    }

    /**
     * The workers open arrays by path: a path that names another file than the caller's mapping
     * (replaced as createOrReplace does) is refused before any task runs, so that they neither read
     * the other file for a sum nor write their slices into it; so is an array mapped in part.
     */
    @Test
    void anArrayWhosePathNamesAnotherFileOrOnlyPartOfItIsRefused() throws Exception {
        try (SharedArray a = array("swapped", DType.F64, 50_000, 3); SharedArray out = array("swapped-out", DType.F64, 50, 4)) {
            double want = Kernels.defaults().sum(a.array());
            assertEquals(bits(want), bits(pool.sum(a)));
            try (SharedArray other = SharedArray.create(a.path(), DType.F64, new long[] {50_000}, true,
                    x -> Kernels.defaults().fill(x, 2.0)); SharedArray newOut = SharedArray.create(out.path(), DType.F64,
                    new long[] {50}, true, x -> Kernels.defaults().fill(x, 7.0))) {
                PoolException e = assertThrows(PoolException.class, () -> pool.sum(a));
                assertTrue(e.getMessage().contains("names another file") && e.getMessage().contains("swapped.npy"), e.getMessage());
                try (SharedArray in = array("swapped-in", DType.F64, 50_000, 5)) {
                    assertThrows(PoolException.class, () -> pool.reduceSlices(SliceOp.SUM, in, 1000, out));
                }
                for (long j = 0; j < 50; j++) assertEquals(7.0, ((F64Array) newOut.array()).get(j), "the new file is untouched");
                assertEquals(bits(100_000.0), bits(pool.sum(other)), "the new array, opened anew, works");
            }
            java.nio.file.Files.delete(a.path());
            PoolException gone = assertThrows(PoolException.class, () -> pool.sum(a));
            assertTrue(gone.getMessage().contains("was removed"), gone.getMessage());
        }
        try (SharedArray whole = array("parted", DType.F64, 3 * BlockPartition.BLOCK, 6);
                SharedArray part = SharedArray.openPart(whole.path(), null, 3, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.sum(part));
            assertTrue(e.getMessage().contains("mapped in part"), e.getMessage());
        }
    }

    @Test
    void anIntegerOverflowFailsTheJobAndThePoolGoesOn() throws Exception {
        try (SharedArray big = SharedArray.create(dir.resolve("big.npy"), DType.I64, new long[] {20_000}, true,
                a -> Kernels.defaults().fill(a, Long.MAX_VALUE)); SharedArray ok = array("ok", DType.F64, 50_000, 3)) {
            ArithmeticException e = assertThrows(ArithmeticException.class, () -> pool.sumLong(big));
            assertTrue(e.getMessage().contains("overflow"), e.getMessage());
            assertEquals(bits(Kernels.defaults().mean(ok.array())), bits(pool.mean(ok)), "the pool still works");
        }
    }

    /**
     * A worker that exits while starting fails start() with its last words, and without the line
     * each worker's JVM prints about the Vector API module (this test's JVM has the module, so the
     * workers get it too): with -version a worker's JVM prints that line and its version, and exits.
     */
    @Test
    void aWorkerThatCannotStartIsReportedWithItsOwnOutput() {
        PoolException e = assertThrows(PoolException.class, () -> WorkerPool.builder().workers(1).threadsPerWorker(1)
                .javaOptions(java.util.List.of("-version")).start().close());
        assertTrue(e.getMessage().contains("exited with status 0 while starting") && e.getMessage().contains(Runtime.version().toString()),
                e.getMessage());
        assertTrue(!e.getMessage().contains("incubator"), e.getMessage());
        // A worker whose kernel setting is invalid says so in one line, which the error quotes.
        PoolException bad = assertThrows(PoolException.class, () -> WorkerPool.builder().workers(1).threadsPerWorker(1)
                .javaOptions(java.util.List.of("-Dparalelo.provider=bogus")).start().close());
        assertTrue(bad.getMessage().contains("exited with status 2 while starting")
                && bad.getMessage().contains("\n  paralelo worker: -Dparalelo.provider=bogus is not a valid setting"), bad.getMessage());
    }

    @Test
    void aMissingArrayIsAClearError() throws Exception {
        SharedArray a = array("gone", DType.F64, 50_000, 3);
        try (a) {
            java.nio.file.Files.delete(a.path()); // still mapped here, gone for the workers
            PoolException e = assertThrows(PoolException.class, () -> pool.sum(a));
            assertTrue(e.getMessage().contains("gone.npy"), e.getMessage());
        }
    }

    @Test
    void statsCountEachTaskOnce() throws Exception {
        try (SharedArray a = array("c", DType.F32, 1 << 20, 5)) {
            pool.sum(a);
            JobStats s = pool.lastJob();
            assertEquals(256, s.tasks());
            assertEquals(0, s.reissued());
            assertEquals((256 + 2) / 3, s.frames(), "batches of 3");
        }
    }

    /** A batch setting larger than a frame holds sends as many tasks per frame as fit, not an error. */
    @Test
    void aBatchLargerThanAFrameIsSplitIntoFrames() throws Exception {
        try (WorkerPool p = WorkerPool.builder().workers(1).threadsPerWorker(1).taskElements(4096).batchSize(100_000).start();
                SharedArray a = array("big-batch", DType.F32, 1 << 22, 7)) {
            double want = Kernels.defaults().sum(a.array(F32Array.class));
            assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(p.sum(a)));
            JobStats s = p.lastJob();
            assertEquals(1024, s.tasks());
            assertTrue(s.frames() > 1 && s.frames() < 1024, s.frames() + " frames");
        }
    }
}
