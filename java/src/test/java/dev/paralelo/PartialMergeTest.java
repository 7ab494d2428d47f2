package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.NativeKernels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every reduction, merged from block-aligned partials computed on different threads, partitions,
 * implementations and SIMD levels, and sent through their byte encoding in a shuffled order,
 * gives the bits of the in-process whole-array call.
 */
class PartialMergeTest {
    private static final int[] SIZES = {0, 1, 4095, 4096, 4097, 3 * 4096 + 17, 40_961, 150_001};

    /** A worker: an implementation with a thread count. */
    private record Worker(Kernels k, String name) {}

    private static List<Worker> workers(SumMode mode) {
        List<Worker> w = new ArrayList<>();
        for (KernelBackend b : List.of(Backends.nativeKernels(), Backends.vectorKernels(), Backends.javaKernels())) {
            for (int t : new int[] {1, 2, 3}) w.add(new Worker(Kernels.using(b).withThreads(t).withMode(mode), b.name() + "/" + t));
        }
        return w;
    }

    /** Partitions to try: k balanced parts, fixed-length ranges, and random cuts. */
    private static List<List<BlockRange>> partitions(long n, Random r) {
        List<List<BlockRange>> out = new ArrayList<>();
        for (int k : new int[] {1, 2, 3, 7}) out.add(BlockPartition.of(n, k));
        out.add(BlockPartition.byLength(n, 2L * BlockPartition.BLOCK));
        long blocks = (n + BlockPartition.BLOCK - 1) / BlockPartition.BLOCK;
        List<Long> cuts = new ArrayList<>();
        for (int i = 0; i < 4; i++) cuts.add(Math.min(n, (long) r.nextInt((int) blocks + 1) * BlockPartition.BLOCK));
        Collections.sort(cuts);
        List<BlockRange> random = new ArrayList<>();
        long lo = 0;
        for (long c : cuts) {
            random.add(new BlockRange(lo, c));
            lo = c;
        }
        random.add(new BlockRange(lo, n));
        out.add(random);
        return out;
    }

    private interface PartialOf {
        Partial of(Kernels k, BlockRange r);
    }

    /** Each range's partial from a random worker (and SIMD level), through bytes, merged shuffled. */
    private static Partial merged(List<BlockRange> ranges, List<Worker> workers, Random r, PartialOf f) {
        List<Partial> parts = new ArrayList<>();
        int top = NativeKernels.cpuLevel();
        try {
            for (BlockRange range : ranges) {
                NativeKernels.setLevel(r.nextInt(top + 1));
                Worker w = workers.get(r.nextInt(workers.size()));
                parts.add(Partial.fromBytes(f.of(w.k, range).toBytes()));
            }
        } finally {
            NativeKernels.setLevel(top);
        }
        Collections.shuffle(parts, r);
        return Partial.mergeAll(parts);
    }

    private static void same(double want, double got, String what) {
        assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got), what + ": " + want + " vs " + got);
    }

    private static NumArray array(DType t, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return switch (t) {
            case F64 -> Data.f64(Data.illConditioned(n, seed));
            case F32 -> Data.f32(Data.uniform(n, seed));
            case I64 -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = r.nextLong() >> (seed % 2 == 0 ? 1 : 24);
                yield I64Array.of(v);
            }
            case I32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = r.nextInt();
                yield I32Array.of(v);
            }
        };
    }

    @Test
    void everyReductionMergedFromPartialsGivesTheInProcessBits() {
        Random r = new Random(42);
        for (int n : SIZES) {
            for (DType t : DType.values()) {
                NumArray x = array(t, n, n + 1L), y = array(t, n, n + 2L);
                for (SumMode mode : SumMode.values()) {
                    Kernels one = Kernels.using(Backends.nativeKernels()).withThreads(1).withMode(mode);
                    List<Worker> ws = workers(mode);
                    String tag = t.label() + " n=" + n + " " + mode;
                    for (List<BlockRange> p : partitions(n, r)) {
                        String where = tag + " over " + p;
                        Partial sum = merged(p, ws, r, (k, range) -> k.partial(Reduction.SUM, x, range));
                        Partial dot = merged(p, ws, r, (k, range) -> k.partial(Reduction.DOT, x, y, range));
                        checkSumAndDot(one, x, y, sum, dot, n, where);
                        checkVariance(one, x, p, ws, r, n, where);
                        for (Reduction op : List.of(Reduction.MIN, Reduction.MAX)) {
                            Extremum e = (Extremum) merged(p, ws, r, (k, range) -> k.partial(op, x, range));
                            if (n == 0) {
                                assertTrue(e.isEmpty(), where);
                                continue;
                            }
                            if (t.isFloat()) {
                                double want = op == Reduction.MIN ? minOf(one, x) : maxOf(one, x);
                                same(want, e.doubleValue(), op + " " + where);
                            } else {
                                long want = op == Reduction.MIN ? (x instanceof I64Array a ? one.min(a) : one.min((I32Array) x))
                                        : (x instanceof I64Array a ? one.max(a) : one.max((I32Array) x));
                                assertEquals(want, e.longValue(), op + " " + where);
                            }
                        }
                    }
                }
            }
        }
    }

    private static double minOf(Kernels k, NumArray x) {
        return x instanceof F64Array f ? k.min(f) : k.min((F32Array) x);
    }

    private static double maxOf(Kernels k, NumArray x) {
        return x instanceof F64Array f ? k.max(f) : k.max((F32Array) x);
    }

    private static void checkSumAndDot(Kernels one, NumArray x, NumArray y, Partial sum, Partial dot, int n, String where) {
        if (x.dtype().isFloat()) {
            double s = x instanceof F64Array f ? one.sum(f) : one.sum((F32Array) x);
            same(s, ((ExactSum) sum).round(), "sum " + where);
            same(one.mean(x), ((ExactSum) sum).mean(n), "mean " + where);
            same(one.dot(x, y), ((ExactSum) dot).round(), "dot " + where);
            return;
        }
        IntegerSum is = (IntegerSum) sum;
        long s = x instanceof I64Array a ? trySum(one, a) : one.sum((I32Array) x);
        if (s != Long.MIN_VALUE) assertEquals(s, is.longValueExact(), "sum " + where);
        else assertThrows(ArithmeticException.class, is::longValueExact, "sum overflows both ways " + where);
        same(one.mean(x), is.mean(n), "mean " + where);
        IntegerSum id = (IntegerSum) dot;
        try {
            long d = x instanceof I64Array a ? one.dot(a, (I64Array) y) : one.dot((I32Array) x, (I32Array) y);
            assertEquals(d, id.longValueExact(), "dot " + where);
        } catch (ArithmeticException e) {
            assertThrows(ArithmeticException.class, id::longValueExact, "dot overflows both ways " + where);
        }
    }

    private static long trySum(Kernels k, I64Array a) {
        try {
            return k.sum(a);
        } catch (ArithmeticException e) {
            return Long.MIN_VALUE;
        }
    }

    private static void checkVariance(Kernels one, NumArray x, List<BlockRange> p, List<Worker> ws, Random r, int n,
            String where) {
        for (int ddof = 0; ddof <= 1; ddof++) {
            double want = one.variance(x, ddof);
            double got;
            if (Reduction.VARIANCE.phases(x.dtype()) == 2) {
                double center = ws.get(r.nextInt(ws.size())).k().varianceCenter(x);
                CenteredSums c = (CenteredSums) merged(p, ws, r, (k, range) -> k.partialAround(x, range, center));
                OptionalDouble again = c.recenter();
                if (again.isPresent()) c = (CenteredSums) merged(p, ws, r, (k, range) -> k.partialAround(x, range, again.getAsDouble()));
                got = c.variance(ddof);
            } else {
                got = ((IntegerMoments) merged(p, ws, r, (k, range) -> k.partial(Reduction.VARIANCE, x, range))).variance(ddof);
            }
            same(want, got, "variance ddof=" + ddof + " " + where);
        }
    }
}
