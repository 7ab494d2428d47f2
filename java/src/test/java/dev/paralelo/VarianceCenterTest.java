package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.KernelBackend;
import java.math.BigInteger;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The float variance's centre (docs/ACCURACY.md, "Variance"): the accurate mean of a sample,
 * one pass when that lies near the mean, a second around c + D/n when it does not; the same bits
 * on every implementation, in the partial form and on heap arrays.
 */
class VarianceCenterTest {
    static Stream<KernelBackend> backends() {
        return Backends.all();
    }

    /** 1e12 * 31 / 1024: the variance of 1e6 at every 32nd element and 0 elsewhere, exact. */
    private static final double MISLED = 1e12 * 31 / 1024;

    /**
     * 1e6 at i % 32 == 16, 0 elsewhere. For n = 32768 * m the sample is elements
     * (2k + 1) * 16 * m, all 1e6, so the centre is 1e6 where the mean is 31250: the first pass
     * asks for a second around exactly 31250, whose deviations and squares are all exact.
     */
    private static double[] misleading(int n) {
        double[] v = new double[n];
        for (int i = 16; i < n; i += 32) v[i] = 1e6;
        return v;
    }

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aMisleadingSampleTakesASecondPassWithTheSameBits(KernelBackend b) {
        for (int n : new int[] {32768, 3 * 32768}) {
            double[] v = misleading(n);
            float[] f = new float[n];
            for (int i = 0; i < n; i++) f[i] = (float) v[i];
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                F64Array x = F64Array.allocate(arena, n);
                F32Array y = F32Array.allocate(arena, n);
                for (int i = 0; i < n; i++) {
                    x.set(i, v[i]);
                    y.set(i, f[i]);
                }
                for (SumMode m : SumMode.values()) {
                    for (int t = 1; t <= 3; t++) {
                        Kernels k = Kernels.using(b).withMode(m).withThreads(t);
                        String what = b.name() + " n=" + n + " " + m + " threads=" + t;
                        assertEquals(bits(MISLED), bits(k.variance(x)), what);
                        assertEquals(bits(MISLED), bits(k.variance(y)), "f32 " + what);
                        assertEquals(bits(MISLED * n / (n - 1)), bits(k.variance(x, 1)), "ddof 1 " + what);
                    }
                }
                Kernels k = Kernels.using(b);
                assertEquals(1e6, k.varianceCenter(x), "the sample holds only 1e6");
                CenteredSums first = k.partialAround(x, BlockPartition.whole(n), k.varianceCenter(x));
                assertEquals(OptionalDouble.of(31250), first.recenter(), "a second pass around the mean");
                CenteredSums second = k.partialAround(x, BlockPartition.whole(n), 31250);
                assertEquals(OptionalDouble.empty(), second.recenter(), "centred now");
                assertEquals(bits(MISLED), bits(second.variance(0)));
            }
        }
    }

    /** A heap array past the small-call size runs through chunked states in the native provider. */
    @Test
    void heapArraysTakeTheSameSteps() {
        Kernels k = Kernels.defaults();
        int n = 3 * 32768;
        assertEquals(bits(MISLED), bits(k.variance(F64Array.wrap(misleading(n)))), "heap");
        double[] r = Data.illConditioned(n, 5);
        assertEquals(bits(k.variance(F64Array.of(r))), bits(k.variance(F64Array.wrap(r))), "random data, heap and off-heap");
        assertEquals(k.varianceCenter(F64Array.of(r)), k.varianceCenter(F64Array.wrap(r)));
    }

    /** Sorted data is centred well by its spread-out sample: one pass. */
    @ParameterizedTest
    @MethodSource("backends")
    void sortedDataTakesOnePass(KernelBackend b) {
        Kernels k = Kernels.using(b);
        int n = 1 << 20;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i;
        F64Array x = F64Array.of(v);
        CenteredSums s = k.partialAround(x, BlockPartition.whole(n), k.varianceCenter(x));
        assertEquals(OptionalDouble.empty(), s.recenter(), "centre " + s.center());
        double want = ((double) n * n - 1) / 12; // exact: n^2 - 1 < 2^53
        assertTrue(Math.abs(s.variance(0) - want) <= 0x1p-48 * want, s.variance(0) + " vs " + want);
        assertEquals(bits(k.variance(x)), bits(s.variance(0)));
    }

    /** The sample's indices, and its centre as the exact mean of x[i] = i over them. */
    @ParameterizedTest
    @MethodSource("backends")
    void theSampleIsSpreadOverTheArray(KernelBackend b) {
        Kernels k = Kernels.using(b);
        for (long n : new long[] {0, 1, 7, 4096, 4097, 32768, 1_000_003}) {
            long[] idx = Kernels.varianceSample(n);
            assertEquals(n <= 4096 ? n : 1024, idx.length, "n=" + n);
            long sum = 0;
            for (int j = 0; j < idx.length; j++) {
                long want = n <= 4096 ? j
                        : BigInteger.valueOf(2L * j + 1).multiply(BigInteger.valueOf(n)).divide(BigInteger.valueOf(2048)).longValueExact();
                assertEquals(want, idx[j], "index " + j + " of " + n);
                sum += idx[j];
            }
            double[] v = new double[(int) n];
            float[] f = new float[(int) n];
            for (int i = 0; i < n; i++) v[i] = f[i] = i;
            if (n == 0) { // no sample: a NaN (whose sign bit no API promises)
                assertTrue(Double.isNaN(k.varianceCenter(F64Array.of(v))) && Double.isNaN(k.varianceCenter(F32Array.of(f))));
                continue;
            }
            double want = (double) sum / idx.length;
            assertEquals(bits(want), bits(k.varianceCenter(F64Array.of(v))), "centre of " + n);
            assertEquals(bits(want), bits(k.varianceCenter(F32Array.of(f))), "f32 centre of " + n);
        }
        for (long n : new long[] {1L << 62, (1L << 62) - 1, 3_000_000_000_123L}) {
            long[] idx = Kernels.varianceSample(n);
            for (int j = 0; j < idx.length; j++) {
                long want = BigInteger.valueOf(2L * j + 1).multiply(BigInteger.valueOf(n)).divide(BigInteger.valueOf(2048)).longValueExact();
                assertEquals(want, idx[j], "index " + j + " of " + n + ", past a long's product");
            }
        }
    }

    /** An infinity or NaN, in the sample or out of it, gives NaN, as numpy. */
    @ParameterizedTest
    @MethodSource("backends")
    void anInfinityAnywhereGivesNaN(KernelBackend b) {
        Kernels k = Kernels.using(b);
        int n = 32768;
        for (int at : new int[] {16, 17}) { // sampled, not sampled
            for (double bad : new double[] {Double.POSITIVE_INFINITY, Double.NaN}) {
                double[] v = misleading(n);
                v[at] = bad;
                assertTrue(Double.isNaN(k.variance(F64Array.of(v))), bad + " at " + at);
            }
        }
    }

    /**
     * Subnormal variances stay within docs/ACCURACY.md's bound, whose last term (2^-1075, the
     * rounding of the quotient by n - ddof) the first cases needed: a small array, and a sample
     * that misleads (the sampled elements 1e-160, the rest -1e-160). The bound here takes the sum
     * of squares around the mean, the smaller one, so it is stricter than the documented one.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void subnormalVariancesStayWithinTheBound(KernelBackend b) {
        Kernels k = Kernels.using(b);
        double[] small = new double[56];
        for (int i = 0; i < small.length; i++) small[i] = i < 21 ? 1e-160 : -1e-160;
        int n = 16385;
        double[] misled = new double[n];
        java.util.Arrays.fill(misled, -1e-160);
        for (long i : Kernels.varianceSample(n)) misled[(int) i] = 1e-160;
        for (double[] v : new double[][] {small, misled}) {
            for (int ddof = 0; ddof <= 1; ddof++) {
                java.math.MathContext mc = new java.math.MathContext(80);
                java.math.BigDecimal sum = java.math.BigDecimal.ZERO, sq = java.math.BigDecimal.ZERO;
                for (double d : v) {
                    sum = sum.add(new java.math.BigDecimal(d));
                    sq = sq.add(new java.math.BigDecimal(d).multiply(new java.math.BigDecimal(d)));
                }
                java.math.BigDecimal len = java.math.BigDecimal.valueOf(v.length), dof = java.math.BigDecimal.valueOf(v.length - ddof);
                java.math.BigDecimal q = sq.subtract(sum.multiply(sum).divide(len, mc)); // around the exact mean
                java.math.BigDecimal exact = q.divide(dof, mc);
                java.math.BigDecimal half = new java.math.BigDecimal(0x1p-1074).divide(java.math.BigDecimal.valueOf(2));
                java.math.BigDecimal bound = java.math.BigDecimal.valueOf(12).multiply(new java.math.BigDecimal(0x1p-53)).multiply(q)
                        .add(half.multiply(java.math.BigDecimal.valueOf(v.length + 3))).divide(dof, mc).add(half);
                double got = k.variance(F64Array.of(v), ddof);
                java.math.BigDecimal err = new java.math.BigDecimal(got).subtract(exact).abs();
                assertTrue(err.compareTo(bound) <= 0, b.name() + " n=" + v.length + " ddof=" + ddof + ": " + got + " vs " + exact
                        + ", error " + err.divide(half, mc).doubleValue() + " x 2^-1075 > bound " + bound.divide(half, mc).doubleValue());
            }
        }
    }

    @Test
    void badArgumentsAreRefused() {
        Kernels k = Kernels.defaults();
        assertThrows(IllegalArgumentException.class, () -> k.varianceCenter(I64Array.of(1, 2)));
        assertThrows(IllegalArgumentException.class, () -> Kernels.varianceSample(-1));
        assertThrows(IllegalArgumentException.class, () -> Kernels.varianceSample((1L << 62) + 1));
        assertTrue(Double.isNaN(k.varianceCenter(F64Array.allocate(0))));
    }
}
