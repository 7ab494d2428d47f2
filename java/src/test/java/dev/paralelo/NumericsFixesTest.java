package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.KernelBackend;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The numerics the partial states fixed, on both implementations: the integer dot is exact
 * whatever the thread count, slices longer than a block are blocked like whole arrays, the
 * integer variance is exact, and min/max report the first index.
 */
class NumericsFixesTest {
    static java.util.stream.Stream<KernelBackend> backends() {
        return Backends.all();
    }

    private static final int BLOCK = BlockPartition.BLOCK;

    @ParameterizedTest
    @MethodSource("backends")
    void integerDotIsExactOnAnyThreadCount(KernelBackend b) {
        int n = 8 * BLOCK;
        long[] x = new long[n], y = new long[n];
        x[0] = Long.MIN_VALUE; y[0] = Long.MAX_VALUE;
        x[7 * BLOCK] = Long.MIN_VALUE; y[7 * BLOCK] = Long.MAX_VALUE;
        x[3 * BLOCK] = Long.MIN_VALUE; y[3 * BLOCK] = Long.MIN_VALUE;
        x[4 * BLOCK] = Long.MIN_VALUE; y[4 * BLOCK] = Long.MIN_VALUE;
        x[7 * BLOCK + 1] = -(1L << 32); y[7 * BLOCK + 1] = 1L << 32;
        I64Array a = I64Array.of(x), c = I64Array.of(y);
        for (int t = 1; t <= 8; t++) {
            Kernels k = Kernels.using(b).withThreads(t);
            for (int round = 0; round < 25; round++) assertEquals(0, k.dot(a, c), "the exact dot is 0 on " + t + " threads");
        }
        Kernels k = Kernels.using(b);
        assertEquals(0, k.dot(I64Array.of(Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, -(1L << 32)),
                I64Array.of(Long.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 1L << 32)));
        assertThrows(ArithmeticException.class, () -> k.dot(I64Array.of(Long.MAX_VALUE, 2), I64Array.of(Long.MAX_VALUE, 2)));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void everySliceHasTheBitsOfTheWholeArrayKernelOnThatSlice(KernelBackend b) {
        Kernels k = Kernels.using(b).withThreads(2);
        int n = 70_001;
        double[] v = Data.illConditioned(n, 11);
        v[1234] = Double.NaN;
        v[40_000] = Double.MAX_VALUE; // a lane overflows, the exact sum does not
        v[40_001] = Double.MAX_VALUE;
        v[40_002] = -Double.MAX_VALUE;
        F64Array x = Data.f64(v);
        for (long len : new long[] {3, 8, 64, 100, 1000, 4096, 4097, 5000, 12_289, 40_000, n}) {
            long m = (n + len - 1) / len;
            for (SliceOp op : SliceOp.values()) {
                F64Array out = F64Array.allocate(m);
                k.reduceSlices(op, x, len, out);
                for (long j = 0; j < m; j++) {
                    F64Array s = x.slice(j * len, Math.min(n, (j + 1) * len));
                    double want = switch (op) {
                        case SUM -> k.sum(s);
                        case MEAN -> k.mean(s);
                        case MIN -> k.min(s);
                        case MAX -> k.max(s);
                    };
                    assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(out.get(j)),
                            op + " of slice " + j + " of length " + len);
                }
            }
        }
        long[] offsets = {0, 9000, 9001, 30_000};
        F64Array out = F64Array.allocate(offsets.length);
        k.reduceAt(SliceOp.SUM, x, offsets, out);
        for (int j = 0; j < offsets.length; j++) {
            long end = j + 1 < offsets.length ? offsets[j + 1] : n;
            assertEquals(Double.doubleToRawLongBits(k.sum(x.slice(offsets[j], end))), Double.doubleToRawLongBits(out.get(j)),
                    "reduceAt slice " + j);
        }
    }

    /** Whether r is the correctly rounded num / den (num >= 0, den > 0), checked exactly. */
    private static boolean correctlyRounded(double r, BigInteger num, BigInteger den) {
        BigDecimal exact = new BigDecimal(num), d = new BigDecimal(den);
        BigDecimal err = new BigDecimal(r).multiply(d).subtract(exact).abs(); // |r - q| * den
        BigDecimal half = new BigDecimal(Math.ulp(r)).divide(BigDecimal.valueOf(2)).multiply(d);
        int c = err.compareTo(half);
        if (c != 0) return c < 0;
        return (Double.doubleToRawLongBits(r) & 1) == 0; // a tie goes to even
    }

    @ParameterizedTest
    @MethodSource("backends")
    void integerVarianceIsExactThenRoundedOnce(KernelBackend b) {
        Kernels k = Kernels.using(b);
        long base = 1L << 60;
        assertEquals(2.0 / 3.0, k.variance(I64Array.of(base, base + 1, base + 2)), "numpy gives 0");
        assertEquals(1.0, k.variance(I64Array.of(base, base + 1, base + 2), 1));
        assertEquals(0x1p126, k.variance(I64Array.of(Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE)));
        SplittableRandom r = new SplittableRandom(3);
        for (int n : new int[] {2, 3, 7, 4097, 40_961}) {
            for (int shift : new int[] {0, 20, 40}) {
                long[] v = new long[n];
                int[] w = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = r.nextLong() >> shift;
                    w[i] = r.nextInt() >> (shift / 2);
                }
                for (int ddof = 0; ddof <= 1; ddof++) {
                    checkVariance(k.variance(I64Array.of(v), ddof), java.util.Arrays.stream(v).mapToObj(BigInteger::valueOf).toList(), ddof);
                    checkVariance(k.withThreads(3).variance(I32Array.of(w), ddof),
                            java.util.Arrays.stream(w).mapToObj(BigInteger::valueOf).toList(), ddof);
                }
            }
        }
    }

    private static void checkVariance(double got, java.util.List<BigInteger> x, int ddof) {
        BigInteger n = BigInteger.valueOf(x.size()), s = BigInteger.ZERO, ss = BigInteger.ZERO;
        for (BigInteger v : x) {
            s = s.add(v);
            ss = ss.add(v.multiply(v));
        }
        BigInteger num = n.multiply(ss).subtract(s.multiply(s)), den = n.multiply(n.subtract(BigInteger.valueOf(ddof)));
        assertTrue(correctlyRounded(got, num, den), "variance " + got + " is not " + num + "/" + den + " rounded once");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void extremaReportTheFirstIndexOnAnyThreadCount(KernelBackend b) {
        int n = 5 * BLOCK + 3;
        double[] v = new double[n];
        long[] iv = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = i % 1000;
            iv[i] = i % 1000;
        }
        v[2 * BLOCK + 5] = -1;
        v[4 * BLOCK + 7] = -1;
        iv[2 * BLOCK + 5] = -1;
        iv[4 * BLOCK + 7] = -1;
        for (int t = 1; t <= 5; t++) {
            Kernels k = Kernels.using(b).withThreads(t);
            assertEquals(2 * BLOCK + 5, ((Extremum) k.partial(Reduction.MIN, F64Array.of(v))).index());
            assertEquals(999, ((Extremum) k.partial(Reduction.MAX, F64Array.of(v))).index());
            assertEquals(2 * BLOCK + 5, ((Extremum) k.partial(Reduction.MIN, I64Array.of(iv))).index());
            double[] withNaN = v.clone();
            withNaN[3 * BLOCK + 1] = Double.NaN;
            withNaN[4 * BLOCK] = Double.NaN;
            Extremum e = (Extremum) k.partial(Reduction.MAX, F64Array.of(withNaN));
            assertTrue(e.isNaN() && Double.isNaN(e.doubleValue()));
            assertEquals(3 * BLOCK + 1, e.index(), "the first NaN, as numpy's argmax");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void argminAndArgmaxFollowNumpy(KernelBackend b) {
        Kernels k = Kernels.using(b);
        double[] v = Data.uniform(100_003, 9);
        int lo = 0, hi = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] < v[lo]) lo = i;
            if (v[i] > v[hi]) hi = i;
        }
        assertEquals(lo, k.argmin(Data.f64(v)));
        assertEquals(hi, k.argmax(Data.f64(v)));
        assertEquals(0, k.argmin(F64Array.of(0.0, -0.0, -0.0)), "zeros compare equal: the first zero");
        assertEquals(2, k.argmax(F64Array.of(1, 5, Double.NaN, 9, Double.NaN)), "the first NaN wins");
        assertEquals(3, k.argmin(I32Array.of(4, 2, 9, -7, -7)));
        String python = Python.run("import numpy as np, sys\n"
                + "x = np.array([3.0, float('nan'), 1.0, 1.0, float('nan')])\n"
                + "print(int(np.argmin(x)), int(np.argmax(x)), int(np.argmin(x[2:])), int(np.argmax(np.array([2, 9, 9]))))");
        assertEquals(python.strip(), k.argmin(F64Array.of(3, Double.NaN, 1, 1, Double.NaN)) + " "
                + k.argmax(F64Array.of(3, Double.NaN, 1, 1, Double.NaN)) + " " + k.argmin(F64Array.of(1, 1, Double.NaN)) + " "
                + k.argmax(I64Array.of(2, 9, 9)));
        assertThrows(IllegalArgumentException.class, () -> k.argmax(F64Array.of()));
    }
}
