package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.NativeKernels;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The numerics the partial states fixed, on every implementation: the integer dot is exact
 * whatever the thread count, slices longer than a block are blocked like whole arrays, the
 * integer variance is exact, and min/max report the first index. And (issue 13, item 3) float
 * variances and dots of finite data near the ends of the double range: never NaN, finite when
 * the exact result is, within docs/ACCURACY.md's bounds, and the same bits from any partition.
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

    // ---- issue 13, item 3: variance and dot near the ends of the double range -----------------

    /**
     * Runs check on b's kernels with 1 and 3 threads, in both modes, and for the native backend
     * at every SIMD level the CPU has; each run must return the same bits as the first.
     */
    private static void everywhere(KernelBackend b, String what, java.util.function.Function<Kernels, Double> op, Consumer<Double> check) {
        List<Double> got = new ArrayList<>();
        int top = NativeKernels.cpuLevel();
        int levels = b == Backends.nativeKernels() ? top : 0;
        try {
            for (int level = 0; level <= levels; level++) {
                if (b == Backends.nativeKernels()) NativeKernels.setLevel(level);
                for (int t : new int[] {1, 3}) got.add(op.apply(Kernels.using(b).withThreads(t)));
            }
        } finally {
            if (b == Backends.nativeKernels()) NativeKernels.setLevel(top);
        }
        for (double g : got) assertEquals(Double.doubleToRawLongBits(got.get(0)), Double.doubleToRawLongBits(g), what + ": every level and thread count");
        check.accept(got.get(0));
    }

    private static final double U = 0x1p-53;
    private static final double DBL_MAX = Double.MAX_VALUE;

    @ParameterizedTest
    @MethodSource("backends")
    void varianceOfValuesNearDblMaxIsInfinityAsNumpySays(KernelBackend b) {
        for (SumMode m : SumMode.values()) {
            F64Array a = F64Array.of(1.7e308, 1.7e308, -1.7e308), c = F64Array.of(1.2345e300, 0, 0);
            everywhere(b, "var a", k -> k.withMode(m).variance(a), v -> assertEquals(Double.POSITIVE_INFINITY, v, "exact 2.57e616; was NaN"));
            everywhere(b, "var c", k -> k.withMode(m).variance(c, 1), v -> assertEquals(Double.POSITIVE_INFINITY, v, "exact 5.08e599; was NaN"));
            everywhere(b, "std a", k -> k.withMode(m).std(a), v -> assertEquals(Double.POSITIVE_INFINITY, v));
        }
    }

    @Test
    void numpyAgreesOnTheVariancesPastDblMaxAndDisagreesOnTheDot() {
        String python = Python.run("import numpy as np, warnings\n"
                + "warnings.simplefilter('ignore')\n"
                + "print(np.var([1.7e308, 1.7e308, -1.7e308]), np.var([1.2345e300, 0, 0], ddof=1), np.dot([1e200, 1e200], [1e200, -1e200]))");
        // numpy's answers, which docs/ACCURACY.md compares with ours. Its dot overflows either
        // way; a NaN or an inf, depending on its build (the test suite met both).
        String[] np = python.strip().split(" ");
        assertEquals(3, np.length, python);
        assertEquals("inf inf", np[0] + " " + np[1], "numpy's variances");
        assertTrue(np[2].equals("nan") || np[2].equals("inf"), "numpy's dot: " + np[2]);
        Kernels k = Kernels.using(Backends.nativeKernels());
        assertEquals(Double.POSITIVE_INFINITY, k.variance(F64Array.of(1.7e308, 1.7e308, -1.7e308)));
        assertEquals(0.0, k.dot(F64Array.of(1e200, 1e200), F64Array.of(1e200, -1e200)), "the exact dot, where numpy says nan");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void finiteVarianceWhoseSumOfSquaresOverflowsIsFinite(KernelBackend b) {
        F64Array four = F64Array.of(1e154, -1e154, 1e154, -1e154);
        for (SumMode m : SumMode.values()) {
            everywhere(b, "var +-1e154", k -> k.withMode(m).variance(four), v -> assertEquals(1e154 * 1e154, v, "4e308 / 4; was inf"));
            everywhere(b, "sample var +-1e154", k -> k.withMode(m).variance(four, 1),
                    v -> assertEquals(4.0 / 3 * 1e308, v, 4.0 / 3 * 1e308 * 4 * U, "4e308 / 3; was inf"));
        }
        int n = 3 * BLOCK + 17;
        double[] x = new double[n];
        for (int i = 0; i + 1 < n; i++) x[i] = i % 2 == 0 ? 1.3e154 : -1.3e154; // mean 0, sum of squares ~2e312
        F64Array a = F64Array.of(x);
        double want = 1.3e154 * 1.3e154 * ((double) (n - 1) / n);
        everywhere(b, "var +-1.3e154", k -> k.variance(a), v -> assertEquals(want, v, want * 4 * U));
        for (int i = 0; i + 1 < n; i++) x[i] = i % 2 == 0 ? 1.5e154 : -1.5e154; // the variance itself is 2.25e308
        F64Array c = F64Array.of(x);
        everywhere(b, "var +-1.5e154", k -> k.variance(c), v -> assertEquals(Double.POSITIVE_INFINITY, v));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void meanAndVarianceOfValuesWhoseSumOverflowsAreFinite(KernelBackend b) {
        F64Array a = F64Array.of(1.7e308, 1.7e308);
        double[] big = new double[2 * BLOCK + 5];
        java.util.Arrays.fill(big, DBL_MAX);
        F64Array c = F64Array.of(big);
        for (SumMode m : SumMode.values()) {
            everywhere(b, "mean", k -> k.withMode(m).mean(a), v -> assertEquals(1.7e308, v, "was inf"));
            everywhere(b, "var", k -> k.withMode(m).variance(a), v -> assertEquals(0.0, v, "was NaN"));
            everywhere(b, "mean of MAX", k -> k.withMode(m).mean(c), v -> assertEquals(DBL_MAX, v, 2 * Math.ulp(DBL_MAX), "two roundings"));
            everywhere(b, "var of MAX", k -> k.withMode(m).variance(c, 1), v -> assertEquals(0.0, v));
        }
        F64Array s = F64Array.allocate(3);
        Kernels.using(b).reduceSlices(SliceOp.MEAN, F64Array.of(1.7e308, 1.7e308, 1, 2, 3, 4), 2, s);
        assertEquals(List.of(1.7e308, 1.5, 3.5), List.of(s.get(0), s.get(1), s.get(2)), "slice means");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void dotOfOverflowingProductsIsTheExactValue(KernelBackend b) {
        for (SumMode m : SumMode.values()) {
            everywhere(b, "[1e200, 1e200] . [1e200, -1e200]", k -> k.withMode(m).dot(F64Array.of(1e200, 1e200), F64Array.of(1e200, -1e200)),
                    v -> assertEquals(0.0, v, "exact 0; was NaN"));
            // 2^1100 - (2^1100 - 2^1048) - (2^1048 - 2^1021): every product overflows, the dot is 2^1021.
            everywhere(b, "overflowing products", k -> k.withMode(m).dot(F64Array.of(0x1p1000, -0x1p1000, 0x1p1000),
                    F64Array.of(0x1p100, 0x1p100 - 0x1p48, -0x1p48 + 0x1p21)), v -> assertEquals(0x1p1021, v));
        }
        // Random data whose every block holds an overflowing product: each block is exact, so the
        // dot is the exact value rounded once (BigDecimal.doubleValue rounds correctly).
        SplittableRandom r = new SplittableRandom(13);
        for (int n : new int[] {2, 9, 4096, 4097, 3 * BLOCK + 100}) {
            double[] x = new double[n], y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = Math.scalb(1 + r.nextDouble(), 500 + r.nextInt(30)) * (r.nextBoolean() ? 1 : -1);
                y[i] = Math.scalb(1 + r.nextDouble(), (i % BLOCK == 0 ? 530 : 500) + r.nextInt(20)) * (r.nextBoolean() ? 1 : -1);
            }
            // pairs x y - x nextUp(y) = -x ulp(y) keep the exact result finite (below 2^1013)
            for (int i = 0; i + 1 < n; i += 2) {
                x[i + 1] = -x[i];
                y[i + 1] = Math.nextUp(y[i]);
            }
            if (n % 2 == 1) x[n - 1] = 0x1p-40; // no partner: a product of about 2^480
            double want = Data.exactDot(x, y).doubleValue();
            F64Array fx = F64Array.of(x), fy = F64Array.of(y);
            everywhere(b, "overflowing n=" + n, k -> k.dot(fx, fy), v -> assertEquals(want, v, "correctly rounded, n=" + n));
            assertTrue(Double.isFinite(want) && Math.abs(want) > 1e250, "the test's data: " + want);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void dotOfUnderflowingProductsKeepsTheirErrorTerms(KernelBackend b) {
        double unit = Double.MIN_VALUE; // 2^-1074
        everywhere(b, "[1.5e-323]*2 . [0.5]*2", k -> k.dot(F64Array.of(1.5e-323, 1.5e-323), F64Array.of(0.5, 0.5)),
                v -> assertEquals(3 * unit, v, "exact 1.5e-323; was 2e-323"));
        double[] t = new double[3 * BLOCK];
        java.util.Arrays.fill(t, 0x1p-538); // each product 2^-1076 rounds to 0
        F64Array ft = F64Array.of(t);
        everywhere(b, "products that round to zero", k -> k.dot(ft, ft), v -> assertEquals(0x1.8p-1063, v, "3 * 2^-1064; was 0"));
        // Two tiny products among zero factors (which are no tiny products), at many positions.
        int n = 2 * BLOCK + 9;
        for (int pos = 0; pos < n; pos += 997) {
            double[] x = new double[n], y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = i % 3 == 0 ? -0.0 : 0.0;
                y[i] = i % 2 == 0 ? 5 : -7;
            }
            int other = n - 1 - pos / 3;
            x[pos] = x[other] = 3 * unit;
            y[pos] = y[other] = 0.5;
            F64Array fx = F64Array.of(x), fy = F64Array.of(y);
            int p = pos;
            everywhere(b, "tiny at " + pos, k -> k.dot(fx, fy), v -> assertEquals(3 * unit, v, "tiny products at " + p + ", " + other));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void partialsOfExtremeDataMergeToTheWholeBits(KernelBackend b) {
        int n = 5 * BLOCK + 77;
        SplittableRandom r = new SplittableRandom(77);
        double[] x = new double[n], y = new double[n], z = new double[n], w = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = z[i] = w[i] = Math.scalb(r.nextDouble(-1, 1), r.nextInt(-100, 100));
            y[i] = Math.scalb(r.nextDouble(-1, 1), r.nextInt(-100, 100));
        }
        x[10] = 1e200; y[10] = 1e200;                                      // block 0: an overflowing product
        x[BLOCK + 3] = 0x1p-700; y[BLOCK + 3] = 0x1.3p-380;                // block 1: a tiny product
        x[4 * BLOCK + 1] = -1e200; y[4 * BLOCK + 1] = 1e200;               // block 4: cancels block 0
        for (int i = 0; i < 16; i++) z[3 * BLOCK + 8 * i] = i % 2 == 0 ? 1.3e154 : -1.3e154; // block 3: squares overflow a lane
        w[2 * BLOCK + 7] = DBL_MAX; w[2 * BLOCK + 15] = DBL_MAX; w[3 * BLOCK + 7] = -DBL_MAX; w[3 * BLOCK + 15] = -DBL_MAX; // sums overflow a lane
        F64Array fx = F64Array.of(x), fy = F64Array.of(y), fz = F64Array.of(z), fw = F64Array.of(w);
        List<List<BlockRange>> partitions = new ArrayList<>();
        for (int parts : new int[] {1, 2, 3, 6}) partitions.add(BlockPartition.of(n, parts));
        partitions.add(List.of(new BlockRange(0, BLOCK), new BlockRange(BLOCK, 4L * BLOCK), new BlockRange(4L * BLOCK, n)));
        for (SumMode m : SumMode.values()) {
            Kernels k = Kernels.using(b).withMode(m).withThreads(2);
            double dot = k.dot(fx, fy), var = k.variance(fz, 1), mean = k.mean(fz), sum = k.sum(fw);
            assertTrue(Double.isFinite(dot) && Double.isFinite(var) && Double.isFinite(sum), dot + " " + var + " " + sum);
            for (List<BlockRange> ranges : partitions) {
                Partial d = null, v = null, s = null, mu = null;
                for (BlockRange range : ranges) {
                    Partial pd = Partial.fromBytes(k.partial(Reduction.DOT, fx, fy, range).toBytes());
                    Partial pv = Partial.fromBytes(k.partialAround(fz, range, k.varianceCenter(fz)).toBytes());
                    Partial ps = Partial.fromBytes(k.partial(Reduction.SUM, fw, range).toBytes());
                    Partial pm = k.partial(Reduction.SUM, fz, range);
                    d = d == null ? pd : pd.merge(d);
                    v = v == null ? pv : pv.merge(v);
                    s = s == null ? ps : ps.merge(s);
                    mu = mu == null ? pm : pm.merge(mu);
                }
                String tag = m + " over " + ranges;
                OptionalDouble again = ((CenteredSums) v).recenter();
                if (again.isPresent()) { // a second pass, as the whole-array call takes
                    v = null;
                    for (BlockRange range : ranges) {
                        Partial pv = Partial.fromBytes(k.partialAround(fz, range, again.getAsDouble()).toBytes());
                        v = v == null ? pv : pv.merge(v);
                    }
                }
                assertEquals(Double.doubleToRawLongBits(dot), Double.doubleToRawLongBits(((ExactSum) d).round()), "dot " + tag);
                assertEquals(Double.doubleToRawLongBits(var), Double.doubleToRawLongBits(((CenteredSums) v).variance(1)), "var " + tag);
                assertEquals(Double.doubleToRawLongBits(sum), Double.doubleToRawLongBits(((ExactSum) s).round()), "sum " + tag);
                assertEquals(Double.doubleToRawLongBits(mean), Double.doubleToRawLongBits(((ExactSum) mu).mean(n)), "mean " + tag);
            }
        }
    }

    /** A random double with an exponent near e (spread either side), or a zero with probability zeros. */
    private static double near(SplittableRandom r, int e, int spread, double zeros) {
        if (r.nextDouble() < zeros) return r.nextBoolean() ? 0.0 : -0.0;
        int x = Math.max(-1080, Math.min(1023, e + r.nextInt(-spread, spread + 1)));
        return Math.scalb(1 + r.nextDouble(), x) * (r.nextBoolean() ? 1 : -1);
    }

    private static final BigDecimal BIG_U = new BigDecimal(U), MAX = new BigDecimal(DBL_MAX);

    /** Whether got is within bound of the exact value (exact), or past DBL_MAX as it is. */
    private static void within(double got, BigDecimal exact, BigDecimal bound, String what) {
        assertTrue(!Double.isNaN(got), what + ": NaN from finite data");
        BigDecimal margin = MAX.multiply(BIG_U).multiply(BigDecimal.valueOf(64));
        if (exact.abs().compareTo(MAX.add(margin)) > 0 && Double.isInfinite(got)) {
            assertEquals(exact.signum(), (int) Math.signum(got), what + ": the sign of an overflow");
            return;
        }
        assertTrue(Double.isFinite(got) || exact.abs().compareTo(MAX.subtract(margin)) > 0, what + ": " + got + " for the exact " + exact.doubleValue());
        if (Double.isInfinite(got)) return; // within a few units of DBL_MAX: either
        BigDecimal err = new BigDecimal(got).subtract(exact).abs();
        assertTrue(err.compareTo(bound) <= 0, what + ": error " + err.doubleValue() + " past the bound " + bound.doubleValue()
                + " (got " + got + ", exact " + exact.doubleValue() + ")");
    }

    /**
     * Random data with extreme exponents (products that overflow, underflow in part or to zero,
     * squares past DBL_MAX, zeros, values across the whole range): the dot and the variance are
     * never NaN, infinite only when the exact value is past DBL_MAX, and otherwise within
     * docs/ACCURACY.md's bounds: accurate dot u|S| + 2^-1075 + 2(m^2 + 4m) u^2 sum|x_i y_i|, fast dot
     * (m + 6) u sum|x_i y_i| + n 2^-1075, variance 12 u sum (x_i - c)^2 / (n - ddof) +
     * (n + 3) 2^-1075 / (n - ddof) + 2^-1075 (m = 512 accurate, 128 fast). The bound takes c as
     * the computed mean, not the variance's centre: that sum of squares is the smaller one, so
     * the check is stricter than the documented bound.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void finiteDataNeverGivesNaNAndStaysWithinTheBound(KernelBackend b) {
        SplittableRandom r = new SplittableRandom(2026);
        int[][] scenarios = { // exponent of x, of y, spread
            {-520, -520, 20}, {-560, -540, 10}, {-1060, 10, 20}, {520, 520, 10}, {505, -505, 30}, {1000, 20, 30},
            {0, 0, 1074}, {-537, -537, 2}, {-700, -300, 60}, {1020, -1040, 4}};
        int[] sizes = {1, 2, 7, 64, 4097, 2 * BLOCK + 33};
        BigDecimal m2 = BigDecimal.valueOf(2L * (512 * 512 + 4 * 512)), u2 = BIG_U.multiply(BIG_U), half = new BigDecimal(Double.MIN_VALUE).divide(BigDecimal.valueOf(2));
        for (int trial = 0; trial < 40; trial++) {
            int[] sc = scenarios[trial % scenarios.length];
            int n = sizes[trial % sizes.length];
            double zeros = trial % 3 == 0 ? 0.3 : 0;
            double[] x = new double[n], y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = near(r, sc[0], sc[2], zeros);
                y[i] = near(r, sc[1], sc[2], zeros);
            }
            if (trial % 4 == 1) for (int i = 0; i + 1 < n; i += 2) x[i + 1] = -x[i]; // cancellation
            BigDecimal exact = BigDecimal.ZERO, abs = BigDecimal.ZERO;
            for (int i = 0; i < n; i++) {
                BigDecimal p = new BigDecimal(x[i]).multiply(new BigDecimal(y[i]));
                exact = exact.add(p);
                abs = abs.add(p.abs());
            }
            F64Array fx = F64Array.of(x), fy = F64Array.of(y);
            String tag = "trial " + trial + " n=" + n + " exponents " + java.util.Arrays.toString(sc);
            Kernels k = Kernels.using(b).withThreads(2);
            BigDecimal accurate = BIG_U.multiply(exact.abs()).add(half).add(m2.multiply(u2).multiply(abs));
            within(k.dot(fx, fy), exact, accurate, "accurate dot " + tag);
            BigDecimal fast = BigDecimal.valueOf(128 + 6).multiply(BIG_U).multiply(abs).add(half.multiply(BigDecimal.valueOf(n)));
            within(k.withMode(SumMode.FAST).dot(fx, fy), exact, fast, "fast dot " + tag);
            for (int ddof = 0; ddof < Math.min(2, n); ddof++) {
                double c = k.mean(fx);
                BigDecimal sum = Data.exactSum(x), sq = BigDecimal.ZERO, dev = BigDecimal.ZERO, bc = new BigDecimal(c);
                for (double v : x) {
                    BigDecimal d = new BigDecimal(v).subtract(bc);
                    sq = sq.add(new BigDecimal(v).multiply(new BigDecimal(v)));
                    dev = dev.add(d.multiply(d));
                }
                BigDecimal nn = BigDecimal.valueOf(n), dof = BigDecimal.valueOf(n - ddof);
                MathContext mc = new MathContext(80);
                BigDecimal var = nn.multiply(sq).subtract(sum.multiply(sum)).divide(nn.multiply(dof), mc); // exact to 80 digits
                BigDecimal bound = BigDecimal.valueOf(12).multiply(BIG_U).multiply(dev).add(half.multiply(BigDecimal.valueOf(n + 3)))
                        .divide(dof, mc).add(half).multiply(new BigDecimal("1.000001"));
                within(k.variance(fx, ddof), var, bound, "variance ddof=" + ddof + " " + tag);
                within(k.withMode(SumMode.FAST).variance(fx, ddof), var, bound.multiply(BigDecimal.valueOf(64)), "fast variance " + tag);
            }
        }
    }
}
