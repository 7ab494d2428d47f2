package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.KernelBackend;
import java.math.BigDecimal;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Slice reductions against per-slice references; ragged slices with numpy reduceat rules. */
class SliceTest {
    static java.util.stream.Stream<KernelBackend> backends() {
        return Backends.all();
    }

    private static void checkSum(double got, double[] x, int a, int b, String what) {
        BigDecimal exact = Data.exactSum(Arrays.copyOfRange(x, a, b));
        assertTrue(Math.abs(got - exact.doubleValue()) <= Math.ulp(exact.doubleValue()), what + ": " + got + " vs " + exact);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void consecutiveSlices(KernelBackend b) {
        Kernels k = Kernels.using(b);
        for (int n : Data.SIZES) {
            double[] x = Data.illConditioned(n, n + 5);
            for (int kk : new int[] {1, 3, 8, 64, 1000, 5000}) {
                int m = (n + kk - 1) / kk;
                F64Array sums = F64Array.allocate(m), means = F64Array.allocate(m), mins = F64Array.allocate(m);
                k.reduceSlices(SliceOp.SUM, Data.f64(x), kk, sums);
                k.reduceSlices(SliceOp.MEAN, Data.f64(x), kk, means);
                k.reduceSlices(SliceOp.MIN, Data.f64(x), kk, mins);
                F32Array maxs = F32Array.allocate(m);
                k.reduceSlices(SliceOp.MAX, Data.f32(x), kk, maxs);
                for (int j = 0; j < m; j++) {
                    int a = j * kk, e = Math.min(n, a + kk);
                    checkSum(sums.get(j), x, a, e, "n=" + n + " k=" + kk + " slice " + j);
                    assertEquals(sums.get(j) / (e - a), means.get(j), 0.0);
                    assertEquals(Arrays.stream(x, a, e).min().getAsDouble(), mins.get(j), 0.0);
                    float mx = Float.NEGATIVE_INFINITY;
                    for (int i = a; i < e; i++) mx = Math.max(mx, (float) x[i]);
                    assertEquals(mx, maxs.get(j), 0.0f);
                }
            }
            int[] xi = new int[n];
            for (int i = 0; i < n; i++) xi[i] = i * 7 - 3000;
            int m = (n + 63) / 64;
            I64Array isum = I64Array.allocate(m);
            I32Array imin = I32Array.allocate(m);
            k.reduceSlices(SliceOp.SUM, I32Array.of(xi), 64, isum);
            k.reduceSlices(SliceOp.MIN, I32Array.of(xi), 64, imin);
            for (int j = 0; j < m; j++) {
                long s = 0;
                for (int i = j * 64; i < Math.min(n, j * 64 + 64); i++) s += xi[i];
                assertEquals(s, isum.get(j));
                assertEquals(xi[j * 64], imin.get(j));
            }
        }
    }

    /** numpy.add.reduceat, written out. */
    static double[] reduceAtReference(double[] x, long[] idx) {
        double[] out = new double[idx.length];
        for (int j = 0; j < idx.length; j++) {
            int a = (int) idx[j], e = j + 1 < idx.length ? (int) idx[j + 1] : x.length;
            if (e <= a) {
                out[j] = x[a];
            } else {
                out[j] = Data.exactSum(Arrays.copyOfRange(x, a, e)).doubleValue();
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void raggedSlicesFollowReduceat(KernelBackend b) {
        Kernels k = Kernels.using(b);
        double[] x = Data.uniform(10_000, 3);
        long[][] cases = {{0}, {0, 4, 1, 5}, {5, 5, 5}, {9999}, {0, 100, 100, 2000, 1999, 9000}, {}};
        for (long[] idx : cases) {
            F64Array out = F64Array.allocate(idx.length);
            k.reduceAt(SliceOp.SUM, Data.f64(x), idx, out);
            double[] want = reduceAtReference(x, idx);
            for (int j = 0; j < idx.length; j++) {
                assertTrue(Math.abs(want[j] - out.get(j)) <= Math.ulp(want[j]), Arrays.toString(idx) + " slice " + j);
            }
        }
        long[] idx = new long[5000];
        for (int j = 0; j < idx.length; j++) idx[j] = (j * 7919L) % 10_000;
        F64Array out = F64Array.allocate(idx.length);
        k.reduceAt(SliceOp.SUM, Data.f64(x), I64Array.of(idx), out);
        double[] want = reduceAtReference(x, idx);
        for (int j = 0; j < idx.length; j++) assertTrue(Math.abs(want[j] - out.get(j)) <= Math.ulp(want[j]));
        F64Array mx = F64Array.allocate(3);
        k.reduceAt(SliceOp.MAX, Data.f64(x), new long[] {0, 10, 5}, mx);
        assertEquals(Arrays.stream(x, 0, 10).max().getAsDouble(), mx.get(0));
        assertEquals(x[10], mx.get(1));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void slicesAgreeBitForBitBetweenImplementations(KernelBackend b) {
        double[] x = Data.illConditioned(100_003, 77);
        F64Array mine = F64Array.allocate(1563), ref = F64Array.allocate(1563);
        Kernels.using(b).reduceSlices(SliceOp.SUM, Data.f64(x), 64, mine);
        Kernels.using(Backends.javaKernels()).withThreads(1).reduceSlices(SliceOp.SUM, Data.f64(x), 64, ref);
        assertTrue(Arrays.equals(mine.toArray(), ref.toArray()));
    }
}
