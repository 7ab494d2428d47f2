package dev.paralelo.pool.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.Reduction;
import dev.paralelo.SliceOp;
import dev.paralelo.SumMode;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.pool.WorkerPoolTestAccess;
import dev.paralelo.shm.SharedArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python worker (examples/python/paralelo_worker.py, real numpy and pyzmq) against the
 * in-process kernels: alone, its sums and means have the in-process bits for every element
 * type, odd sizes and hard data (NaN, infinities, lanes that overflow, subnormals, cancellation);
 * next to a Java worker, every reduction does, since what it declines goes to the Java worker.
 */
class PythonWorkerTest extends WorkerProcesses {
    SharedArray floats(String name, DType t, long n, Consumer<double[]> fill) throws Exception {
        double[] v = new double[(int) n];
        fill.accept(v);
        return SharedArray.create(dir.resolve(name + ".npy"), t, new long[] {n}, true, a -> {
            for (int i = 0; i < n; i++) {
                if (a instanceof F64Array f) f.set(i, v[i]);
                else ((F32Array) a).set(i, (float) v[i]);
            }
        });
    }

    static double sumInProcess(NumArray x) {
        return switch (x) {
            case F64Array f -> Kernels.defaults().sum(f);
            case F32Array f -> Kernels.defaults().sum(f);
            case I64Array v -> Kernels.defaults().sum(v);
            case I32Array v -> Kernels.defaults().sum(v);
            default -> throw new AssertionError();
        };
    }

    /** Hard float data: each case fills n values. */
    static final Map<String, Consumer<double[]>> HARD = Map.of(
            "spread", v -> {
                SplittableRandom r = new SplittableRandom(5);
                for (int i = 0; i < v.length; i++) v[i] = r.nextDouble(-1, 1) * Math.pow(2, r.nextInt(-60, 60));
            },
            "cancellation", v -> {
                for (int i = 0; i < v.length; i++) v[i] = (i % 2 == 0 ? 1e16 : -1e16) + i * 0.5;
            },
            "nan and infinities", v -> {
                for (int i = 0; i < v.length; i++) v[i] = i * 1e-3;
                v[5000] = Double.NaN;
                v[9000] = Double.POSITIVE_INFINITY;
                v[v.length - 3] = Double.NEGATIVE_INFINITY;
            },
            "lane overflow", v -> {
                for (int i = 0; i < v.length; i++) v[i] = (i % 3 == 2 ? -1 : 1) * Double.MAX_VALUE / 2;
            },
            "subnormals and zeros", v -> {
                for (int i = 0; i < v.length; i++) v[i] = i % 3 == 0 ? -0.0 : Double.MIN_VALUE * (i % 7);
            });

    @Test
    void aloneItsSumsAndMeansHaveTheInProcessBits() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).taskElements(4 * 4096).start()) {
            started.add(Peers.pythonWorker(pool.listenEndpoint(), dir.resolve("python.log")));
            assertTrue(Peers.await(() -> pool.liveWorkers() == 1, 60), "the Python worker attached: " + Peers.text(dir.resolve("python.log")));
            for (DType t : DType.values()) {
                for (long n : new long[] {0, 1, 7, 4095, 4096, 4097, 100_003}) {
                    try (SharedArray a = WorkerPoolTestAccess.array(dir, "a", t, n, n + 11)) {
                        String what = t + " n=" + n;
                        assertEquals(bits(sumInProcess(a.array())), bits(t.isFloat() ? pool.sum(a) : pool.sumLong(a)), what + " sum");
                        assertEquals(bits(Kernels.defaults().mean(a.array())), bits(pool.mean(a)), what + " mean");
                        assertEquals(Kernels.defaults().partial(Reduction.SUM, a.array()), pool.reduce(Reduction.SUM, a), what + " state");
                    }
                }
            }
            for (var e : HARD.entrySet()) {
                for (DType t : new DType[] {DType.F64, DType.F32}) {
                    try (SharedArray a = floats("h", t, 3 * 4096 + 77, e.getValue())) {
                        assertEquals(bits(sumInProcess(a.array())), bits(pool.sum(a)), e.getKey() + " " + t);
                        assertEquals(Kernels.defaults().partial(Reduction.SUM, a.array()), pool.reduce(Reduction.SUM, a), e.getKey() + " " + t + " state");
                    }
                }
            }
        }
    }

    @Test
    void nextToAJavaWorkerEveryReductionHasTheInProcessBits() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(1).listen("tcp://127.0.0.1:0", Map.of()).taskElements(4096).batchSize(2).start()) {
            started.add(Peers.pythonWorker(pool.listenEndpoint(), dir.resolve("python.log")));
            assertTrue(Peers.await(() -> pool.liveWorkers() == 2, 60), "the Python worker attached: " + Peers.text(dir.resolve("python.log")));
            for (DType t : DType.values()) {
                for (long n : new long[] {4097, 300_000}) {
                    try (SharedArray a = WorkerPoolTestAccess.array(dir, "a", t, n, n); SharedArray b = WorkerPoolTestAccess.array(dir, "b", t, n, n + 1)) {
                        WorkerPoolTestAccess.assertSameAsInProcess(pool, a, b, "mixed " + t + " n=" + n);
                    }
                }
            }
            try (SharedArray a = WorkerPoolTestAccess.array(dir, "s", DType.F64, 100_003, 3);
                    SharedArray out = SharedArray.create(dir.resolve("out.npy"), DType.F64, new long[] {101}, true)) {
                F64Array want = F64Array.allocate(101);
                Kernels.defaults().reduceSlices(SliceOp.SUM, a.array(), 1000, want);
                pool.reduceSlices(SliceOp.SUM, a, 1000, out);
                assertEquals(-1, want.segment().mismatch(out.array().segment()), "slices (declined by Python)");
            }
            assertTrue(!Files.readString(dir.resolve("python.log")).contains("Traceback"), Peers.text(dir.resolve("python.log")));
        }
        assertTrue(started.get(0).waitFor(10, TimeUnit.SECONDS), "the Python worker exits when the pool closes");
        assertEquals(0, started.get(0).exitValue(), Peers.text(dir.resolve("python.log")));
    }

    /** A key file that is missing, lacks its key or holds one ZeroMQ refuses: bad arguments, exit status 2, one error line. */
    @Test
    void badKeyFilesAreBadArguments() throws Exception {
        Path good = dir.resolve("k.key_secret"), bare = dir.resolve("bare.key_secret"), bad = dir.resolve("bad.key_secret");
        Files.writeString(bare, "# nothing\n");
        Files.writeString(bad, "public-key = \"abc\"\nsecret-key = \"abc\"\n");
        for (Path p : List.of(bare, bad)) Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String[][] cases = {{good.toString(), "No such file"}, {bare.toString(), "has no 'public-key = ...' line"},
                {bad.toString(), "ZeroMQ refused a key"}};
        for (String[] c : cases) {
            Path log = dir.resolve("bad-key.log");
            Files.deleteIfExists(log);
            Process p = Peers.pythonWorker("tcp://127.0.0.1:9", log, "--key", c[0], "--server-key", c[0]);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the worker exits");
            List<String> lines = Files.readAllLines(log);
            String last = lines.get(lines.size() - 1);
            assertEquals(2, p.exitValue(), Peers.text(log));
            assertTrue(last.contains("error: key: ") && last.contains(c[1]) && lines.stream().noneMatch(l -> l.contains("Traceback")), Peers.text(log));
        }
    }

    @Test
    void aJobNoAttachedWorkerRunsFailsAfterTheStartTimeout() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of())
                        .startTimeout(java.time.Duration.ofSeconds(3)).start();
                SharedArray a = WorkerPoolTestAccess.array(dir, "m", DType.F64, 50_000, 2)) {
            started.add(Peers.pythonWorker(pool.listenEndpoint(), dir.resolve("python.log")));
            assertTrue(Peers.await(() -> pool.liveWorkers() == 1, 60), "attached");
            var e = org.junit.jupiter.api.Assertions.assertThrows(dev.paralelo.pool.PoolException.class, () -> pool.max(a));
            assertTrue(e.getMessage().contains("no worker took a task"), e.getMessage());
            assertEquals(bits(Kernels.defaults().sum(a.array(F64Array.class))), bits(pool.sum(a)), "the pool goes on");
        }
    }

    @Test
    void fastModeGoesToTheJavaWorkerOnly() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(1).listen("tcp://127.0.0.1:0", Map.of()).mode(SumMode.FAST).taskElements(4096).start();
                SharedArray a = WorkerPoolTestAccess.array(dir, "f", DType.F64, 200_003, 9)) {
            started.add(Peers.pythonWorker(pool.listenEndpoint(), dir.resolve("python.log")));
            assertTrue(Peers.await(() -> pool.liveWorkers() == 2, 60), "attached");
            assertEquals(bits(Kernels.defaults().withMode(SumMode.FAST).sum(a.array(F64Array.class))), bits(pool.sum(a)));
        }
    }
}
