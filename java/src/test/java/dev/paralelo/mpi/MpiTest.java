package dev.paralelo.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.Extremum;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.Reduction;
import dev.paralelo.shm.SharedArray;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The MPI binding under a real mpirun, each rank a JVM running {@link Rank}: distributed
 * reductions of .npy files (each rank mapping only its part) give the bits of the
 * single-process kernels on 1 to 4 ranks and uneven partitions; MPI errors become exceptions
 * with MPI's text; a rank killed mid-job ends the job, and no rank hangs.
 */
class MpiTest {
    @TempDir
    static Path dir;

    /** Odd sizes: empty, one element, a partial last block, fewer blocks than ranks, uneven parts. */
    static final long[] SIZES = {0, 1, 4097, 3 * 4096 + 5, 10 * 4096 + 123, 150_001};

    @BeforeAll
    static void writeArrays() throws Exception {
        SplittableRandom r = new SplittableRandom(12);
        for (DType t : DType.values()) {
            for (long n : SIZES) {
                for (String ab : new String[] {"a_", "b_"}) {
                    Path p = dir.resolve(ab + t.label() + "_" + n + ".npy");
                    SharedArray.create(p, t, new long[] {n}, false, a -> fill(a, r)).close();
                }
            }
        }
        // A variance whose sample (spread over every rank's part) misleads: every sampled element
        // is 1e6, every 32nd element is, the rest 0; the ranks gather the sample, then take a
        // second pass around the mean, as one process does.
        for (DType t : new DType[] {DType.F64, DType.F32}) {
            SharedArray.create(dir.resolve("a_misled_" + t.label() + ".npy"), t, new long[] {3 * 32768}, false, a -> {
                for (long i = 16; i < a.length(); i += 32) {
                    if (a instanceof F64Array x) x.set(i, 1e6);
                    else ((F32Array) a).set(i, 1e6f);
                }
            }).close();
            SharedArray.create(dir.resolve("b_misled_" + t.label() + ".npy"), t, new long[] {3 * 32768}, false, a -> fill(a, r)).close();
        }
        // NaN and signed zeros in later parts: min/max indices must count from the whole array.
        SharedArray.create(dir.resolve("a_special.npy"), DType.F64, new long[] {9 * 4096}, false, a -> {
            for (long i = 0; i < a.length(); i++) ((F64Array) a).set(i, i % 7 == 0 ? -0.0 : 0.0);
            ((F64Array) a).set(6 * 4096 + 3, Double.NaN);
        }).close();
        SharedArray.create(dir.resolve("b_special.npy"), DType.F64, new long[] {9 * 4096}, false, a -> fill(a, r)).close();
    }

    /** Values of very different magnitudes (floats), so that any other order of rounding shows. */
    static void fill(NumArray a, SplittableRandom r) {
        for (long i = 0; i < a.length(); i++) {
            double v = (r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(-30, 30));
            switch (a) {
                case F64Array x -> x.set(i, v);
                case F32Array x -> x.set(i, (float) v);
                case I64Array x -> x.set(i, r.nextLong(-(1L << 20), 1L << 20));
                case I32Array x -> x.set(i, r.nextInt(-(1 << 15), 1 << 15));
            }
        }
    }

    /** What one process computes with the ordinary kernels over each whole file, in Rank's format. */
    static List<String> expected() throws Exception {
        Kernels k = Kernels.defaults();
        List<String> all = new ArrayList<>();
        for (Path a : Rank.pairs(dir)) {
            Path b = a.resolveSibling("b_" + a.getFileName().toString().substring(2));
            try (SharedArray x = SharedArray.open(a, false); SharedArray y = SharedArray.open(b, false)) {
                NumArray xa = x.array(), ya = y.array();
                long n = xa.length();
                Extremum min = n == 0 ? (Extremum) k.partial(Reduction.MIN, xa) : checked(k, xa, Reduction.MIN);
                Extremum max = n == 0 ? (Extremum) k.partial(Reduction.MAX, xa) : checked(k, xa, Reduction.MAX);
                all.addAll(Rank.lines(a.getFileName().toString(), xa.dtype(), n, k.partial(Reduction.SUM, xa), k.mean(xa), min, max,
                        k.variance(xa, 0), k.variance(xa, 1), k.partial(Reduction.DOT, xa, ya, dev.paralelo.BlockPartition.whole(n))));
                // The partial's sum is the kernel's sum: checked here once so that the lines compare with Kernels itself.
                String sum = switch (xa) {
                    case F64Array v -> Rank.bits(k.sum(v));
                    case F32Array v -> Rank.bits(k.sum(v));
                    case I64Array v -> Long.toString(k.sum(v));
                    case I32Array v -> Long.toString(k.sum(v));
                };
                assertEquals(a.getFileName() + " sum " + sum, all.get(all.size() - 8));
                String dot = switch (xa) {
                    case F64Array v -> Rank.bits(k.dot(v, (F64Array) ya));
                    case F32Array v -> Rank.bits(k.dot(v, (F32Array) ya));
                    case I64Array v -> Long.toString(k.dot(v, (I64Array) ya));
                    case I32Array v -> Long.toString(k.dot(v, (I32Array) ya));
                };
                assertEquals(a.getFileName() + " dot " + dot, all.get(all.size() - 2));
                // Distributed.min and max against the kernels' own, which refuse an empty array the same way
                all.add(a.getFileName() + " min, max " + Rank.extremes(() -> extreme(k, xa, Reduction.MIN), () -> extreme(k, xa, Reduction.MAX)));
            }
        }
        return all;
    }

    /** Kernels' min or max of x as a double. */
    private static double extreme(Kernels k, NumArray x, Reduction op) {
        return switch (x) {
            case F64Array a -> op == Reduction.MIN ? k.min(a) : k.max(a);
            case F32Array a -> op == Reduction.MIN ? k.min(a) : k.max(a);
            case I64Array a -> op == Reduction.MIN ? k.min(a) : k.max(a);
            case I32Array a -> op == Reduction.MIN ? k.min(a) : k.max(a);
        };
    }

    /** The partial's min/max, checked against Kernels' argmin/argmax and value. */
    private static Extremum checked(Kernels k, NumArray x, Reduction op) {
        Extremum e = (Extremum) k.partial(op, x);
        assertEquals(op == Reduction.MIN ? k.argmin(x) : k.argmax(x), e.index());
        double v = extreme(k, x, op);
        assertEquals(Double.doubleToRawLongBits(v), Double.doubleToRawLongBits(x.dtype().isFloat() ? e.doubleValue() : e.longValue()));
        return e;
    }

    private static List<String> expected;

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {1, 2, 3, 4})
    void distributedReductionsHaveTheBitsOfOneProcess(int ranks) throws Exception {
        synchronized (MpiTest.class) {
            if (expected == null) expected = expected();
        }
        Mpirun.Result r = Mpirun.run(ranks, Mpirun.rankJvm("reduce", dir.toString()), 300);
        assertEquals(0, r.status(), r.output());
        List<String> got = r.lines().stream().filter(l -> l.startsWith("a_")).toList();
        assertEquals(expected.size(), got.size(), r.output());
        for (int i = 0; i < expected.size(); i++) assertEquals(expected.get(i), got.get(i), ranks + " ranks");
    }

    @Test
    void mpiErrorsBecomeExceptionsWithMpisText() throws Exception {
        Mpirun.Result r = Mpirun.run(2, Mpirun.rankJvm("errors"), 300);
        assertEquals(0, r.status(), r.output());
        assertFalse(r.output().contains("FAIL"), r.output());
        Map<String, Integer> oks = new HashMap<>();
        for (String l : r.lines()) if (l.startsWith("ok ")) oks.merge(l.replaceAll(":.*", ""), 1, Integer::sum);
        assertEquals(Map.of("ok MPI error", 2, "ok mismatch", 2, "ok init twice", 2, "ok other thread", 2,
                "ok no MPI variance", 2, "ok peer failure", 1, "ok own failure", 1, "ok usable after errors", 2), oks, r.output());
        assertTrue(r.output().contains("MPI_ERR_ROOT: invalid root"), r.output());
    }

    @Test
    void aRankKilledMidJobEndsTheJobWithoutAHang() throws Exception {
        Process p = Mpirun.start(3, Mpirun.rankJvm("loop"));
        Map<Integer, Long> pids = new HashMap<>();
        StringBuilder out = new StringBuilder();
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            String line;
            while (pids.size() < 3 && System.nanoTime() < deadline && (line = in.readLine()) != null) {
                out.append(line).append('\n');
                String[] f = line.split(" ");
                if (f.length == 3 && f[0].equals("pid")) pids.put(Integer.parseInt(f[1]), Long.parseLong(f[2]));
            }
            assertEquals(3, pids.size(), "every rank started: " + out);
            Thread.sleep(500); // the ranks are in their allreduce loop
            new ProcessBuilder("kill", "-9", Long.toString(pids.get(1))).start().waitFor();
            Thread drain = Thread.ofVirtual().start(() -> {
                try {
                    in.transferTo(java.io.Writer.nullWriter());
                } catch (java.io.IOException e) {
                    // the job ended
                }
            });
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mpirun ended within 60 s of rank 1's death");
            assertNotEquals(0, p.exitValue(), "a job that lost a rank fails");
            drain.join(5000);
            for (int rank : new int[] {0, 2}) {
                ProcessHandle h = ProcessHandle.of(pids.get(rank)).orElse(null);
                if (h != null) h.onExit().get(30, TimeUnit.SECONDS);
                assertFalse(h != null && h.isAlive(), "rank " + rank + " still runs");
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
