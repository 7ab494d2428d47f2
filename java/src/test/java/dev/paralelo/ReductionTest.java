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

/** Reductions of every element type against exact references, on both implementations. */
class ReductionTest {
    static java.util.stream.Stream<KernelBackend> backends() {
        return Backends.all();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void floatSumsAreWithinAnUlpOfTheExactSum(KernelBackend b) {
        Kernels k = Kernels.using(b);
        for (int n : Data.SIZES) {
            double[] x = Data.uniform(n, n);
            BigDecimal exact = Data.exactSum(x);
            double s = k.sum(Data.f64(x));
            assertTrue(Math.abs(s - exact.doubleValue()) <= Math.ulp(exact.doubleValue()),
                    "n=" + n + " sum " + s + " exact " + exact);
            double mean = k.mean(Data.f64(x));
            if (n == 0) assertTrue(Double.isNaN(mean), "mean of nothing is NaN");
            else assertEquals(exact.doubleValue() / n, mean, Math.ulp(mean) * 2, "mean n=" + n);
            double[] xf = new double[n];
            for (int i = 0; i < n; i++) xf[i] = (float) x[i];
            double sf = k.sum(Data.f32(x));
            BigDecimal exactF = Data.exactSum(xf);
            assertTrue(Math.abs(sf - exactF.doubleValue()) <= Math.ulp(exactF.doubleValue()), "f32 n=" + n);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void illConditionedSumMeetsTheAccuracyTarget(KernelBackend b) {
        Kernels k = Kernels.using(b);
        for (int n : new int[] {1000, 100_000, 1_000_003}) {
            double[] x = Data.illConditioned(n, 7 + n);
            BigDecimal exact = Data.exactSum(x);
            double err = Data.relError(k.sum(Data.f64(x)), exact);
            assertTrue(err <= 1e-15, "n=" + n + ": relative error " + err);
            // The fast mode is reproducible but only numpy-accurate: it must still be sane.
            double fastErr = Data.relError(k.withMode(SumMode.FAST).sum(Data.f64(x)), exact);
            assertTrue(fastErr < 1e-6, "fast n=" + n + ": " + fastErr);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void dotAndVarianceAreAccurate(KernelBackend b) {
        Kernels k = Kernels.using(b);
        for (int n : Data.SIZES) {
            double[] x = Data.illConditioned(n, 3 + n), y = Data.uniform(n, 5 + n);
            BigDecimal exact = Data.exactDot(x, y);
            double d = k.dot(Data.f64(x), Data.f64(y));
            assertTrue(Data.relError(d, exact) <= 1e-15 || Math.abs(d - exact.doubleValue()) <= Math.ulp(exact.doubleValue()),
                    "dot n=" + n + ": " + d + " vs " + exact);
            if (n >= 2) {
                double[] u = Data.uniform(n, n + 11);
                for (int i = 0; i < n; i++) u[i] = 1e6 + u[i]; // a large mean stresses the two-pass form
                for (int ddof = 0; ddof <= 1; ddof++) {
                    double want = Data.variance(u, ddof), got = k.variance(Data.f64(u), ddof);
                    assertEquals(want, got, 4 * Math.ulp(want), "var n=" + n + " ddof=" + ddof);
                    assertEquals(Math.sqrt(want), k.std(Data.f64(u), ddof), 4 * Math.ulp(Math.sqrt(want)));
                }
            }
        }
        assertTrue(Double.isNaN(k.variance(F64Array.of(1.0), 1)), "sample variance of one element is NaN (numpy)");
        assertTrue(Double.isNaN(k.variance(F64Array.of(), 0)), "variance of nothing is NaN");
        assertTrue(Double.isNaN(k.variance(F64Array.of(1, Double.POSITIVE_INFINITY), 0)), "inf gives NaN variance");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void integerSumsAreExact(KernelBackend b) {
        Kernels k = Kernels.using(b);
        for (int n : Data.SIZES) {
            SplittableRandom r = new SplittableRandom(n);
            int[] xi = new int[n];
            long[] xl = new long[n];
            long want = 0;
            BigInteger wantL = BigInteger.ZERO;
            for (int i = 0; i < n; i++) {
                xi[i] = r.nextInt();
                xl[i] = r.nextLong() >> 20;
                want += xi[i];
                wantL = wantL.add(BigInteger.valueOf(xl[i]));
            }
            assertEquals(want, k.sum(I32Array.of(xi)), "i32 n=" + n);
            assertEquals(wantL.longValueExact(), k.sum(I64Array.of(xl)), "i64 n=" + n);
            assertEquals(n == 0 ? Double.NaN : new BigDecimal(wantL).divide(BigDecimal.valueOf(n), java.math.MathContext.DECIMAL128).doubleValue(),
                    k.mean(I64Array.of(xl)), 0.0, "i64 mean n=" + n);
            if (n > 0) {
                assertEquals(java.util.Arrays.stream(xi).min().getAsInt(), k.min(I32Array.of(xi)));
                assertEquals(java.util.Arrays.stream(xl).max().getAsLong(), k.max(I64Array.of(xl)));
                long dot = 0;
                for (int i = 0; i < n; i++) dot += (long) xi[i] * (xi[i] >> 16);
                int[] yi = new int[n];
                for (int i = 0; i < n; i++) yi[i] = xi[i] >> 16;
                assertEquals(dot, k.dot(I32Array.of(xi), I32Array.of(yi)), "i32 dot n=" + n);
            }
        }
        int[] big = new int[100_000];
        java.util.Arrays.fill(big, Integer.MAX_VALUE);
        assertEquals(100_000L * Integer.MAX_VALUE, k.sum(I32Array.of(big)), "i32 sums never wrap");
        assertThrows(ArithmeticException.class, () -> k.sum(I64Array.of(Long.MAX_VALUE, 1)));
        assertEquals(Long.MAX_VALUE - 4, k.sum(I64Array.of(Long.MAX_VALUE, 1, -5)), "only the final sum must fit");
        assertThrows(ArithmeticException.class, () -> k.dot(I64Array.of(Long.MAX_VALUE), I64Array.of(2)));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void minMaxFollowNumpyForNaNAndJavaForZeros(KernelBackend b) {
        Kernels k = Kernels.using(b);
        for (int n : Data.SIZES) {
            if (n == 0) continue;
            double[] x = Data.uniform(n, n * 31L);
            double mn = Double.POSITIVE_INFINITY, mx = Double.NEGATIVE_INFINITY;
            for (double v : x) {
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            }
            assertEquals(mn, k.min(Data.f64(x)), 0.0, "min n=" + n);
            assertEquals(mx, k.max(Data.f64(x)), 0.0, "max n=" + n);
            assertEquals((float) mn, k.min(Data.f32(x)), 0.0, "f32 min n=" + n);
            x[n / 2] = Double.NaN;
            assertTrue(Double.isNaN(k.min(Data.f64(x))) && Double.isNaN(k.max(Data.f64(x))), "NaN wins n=" + n);
        }
        double[] zeros = new double[70_000];
        zeros[12_345] = -0.0;
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(k.min(Data.f64(zeros))));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(k.max(Data.f64(zeros))));
        assertEquals(Double.POSITIVE_INFINITY, k.sum(F64Array.of(1, Double.POSITIVE_INFINITY)));
        assertTrue(Double.isNaN(k.sum(F64Array.of(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY))));
        assertEquals(Double.MAX_VALUE, k.sum(F64Array.of(Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE)),
                "an overflow inside a lane is repaired by the exact fallback");
        assertEquals(0.0, k.sum(F64Array.of()));
        assertTrue(Double.isNaN(k.mean(F64Array.of())));
    }
}
