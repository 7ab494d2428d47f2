package dev.paralelo;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;

/** Test data and exact references. */
public final class Data {
    private Data() {}

    /** Odd sizes around lane, block and parallel boundaries. */
    public static final int[] SIZES = {0, 1, 7, 63, 64, 65, 4095, 4096, 4097, 40_961, 100_003};

    /** Uniform in [-1, 1) with a seed. */
    public static double[] uniform(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextDouble(-1, 1);
        return x;
    }

    /**
     * The ill-conditioned input: +-y pairs with |y| log-uniform in [1e-8, 1e8] for three
     * quarters of the elements, values in [0, 1) for the rest, shuffled.
     */
    public static double[] illConditioned(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n];
        int i = 0;
        for (; i + 1 < n - n / 4; i += 2) {
            double y = Math.pow(10, -8 + 16 * r.nextDouble());
            x[i] = y;
            x[i + 1] = -y;
        }
        for (; i < n; i++) x[i] = r.nextDouble();
        for (int j = n - 1; j > 0; j--) {
            int k = r.nextInt(j + 1);
            double t = x[j];
            x[j] = x[k];
            x[k] = t;
        }
        return x;
    }

    /** Exact sum of doubles. */
    public static BigDecimal exactSum(double[] x) {
        BigDecimal s = BigDecimal.ZERO;
        for (double v : x) s = s.add(new BigDecimal(v));
        return s;
    }

    /** Exact dot. */
    public static BigDecimal exactDot(double[] x, double[] y) {
        BigDecimal s = BigDecimal.ZERO;
        for (int i = 0; i < x.length; i++) s = s.add(new BigDecimal(x[i]).multiply(new BigDecimal(y[i])));
        return s;
    }

    /** Variance with ddof, to 34 digits. */
    public static double variance(double[] x, int ddof) {
        MathContext mc = MathContext.DECIMAL128;
        BigDecimal n = BigDecimal.valueOf(x.length);
        BigDecimal mean = exactSum(x).divide(n, mc);
        BigDecimal ss = BigDecimal.ZERO;
        for (double v : x) {
            BigDecimal d = new BigDecimal(v).subtract(mean);
            ss = ss.add(d.multiply(d));
        }
        return ss.divide(BigDecimal.valueOf(x.length - ddof), mc).doubleValue();
    }

    /** |got - want| / |want| (or absolute when want is 0). */
    public static double relError(double got, BigDecimal want) {
        BigDecimal diff = new BigDecimal(got).subtract(want).abs();
        return want.signum() == 0 ? diff.doubleValue() : diff.divide(want.abs(), MathContext.DECIMAL64).doubleValue();
    }

    /** Copies into a new off-heap array. */
    public static F64Array f64(double[] x) {
        return F64Array.of(x);
    }

    /** Rounds each to float. */
    public static F32Array f32(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return F32Array.of(f);
    }
}
