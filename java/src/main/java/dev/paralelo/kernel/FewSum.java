package dev.paralelo.kernel;

import static dev.paralelo.kernel.KernelBackend.BLOCK;

import java.lang.foreign.MemorySegment;

/**
 * The exact sum of a few doubles, rounded once: what {@link ExactAccumulator} gives for them,
 * without its 1 KiB to clear, fill and scan (reduce.c's {@code few_sum}, whose comment says more).
 * The values are kept as nonoverlapping partials, each addition an exact Fast2Sum with the zero
 * partials dropped; the partials are added from the largest down, and a result exactly halfway
 * between two doubles is settled by the sign of what lies below. Not thread-safe.
 */
final class FewSum {
    /** Blocks a sum takes this way at most: two values each. */
    static final int BLOCKS = 32;

    private final double[] p;
    private int n;

    /** A sum of at most values values. */
    FewSum(int values) {
        p = new double[values + 1];
    }

    /**
     * This thread's sum of up to 2 * {@link #BLOCKS} values and its pair array: a few-block sum
     * allocates nothing. Each call allocated 160 B to 1.1 KiB before (n = 8192 to 2^17), and on
     * the 2-core VM the pages a young generation touches for the first time cost more than the
     * sum: a vector fast sum of 8192 doubles measured 1000-1100 ns in a JVM whose heap was not
     * yet touched, 615 with -XX:+AlwaysPreTouch (Zen 5, JDK 25; the peer without garbage, 600).
     */
    private static final ThreadLocal<FewSum> MINE = ThreadLocal.withInitial(() -> new FewSum(2 * BLOCKS));
    private final double[] pairs = new double[2 * BLOCKS];

    /** Adds v exactly; false when a partial overflowed (the caller then takes the accumulator). */
    boolean add(double v) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            double y = p[i];
            if (Math.abs(v) < Math.abs(y)) {
                double t = v;
                v = y;
                y = t;
            }
            double hi = v + y, lo = y - (hi - v);
            if (lo != 0.0) p[k++] = lo;
            v = hi;
        }
        if (!Double.isFinite(v)) return false;
        p[k++] = v;
        n = k;
        return true;
    }

    /**
     * The exact sum rounded once to nearest even, +0.0 for zero; NaN when the result is not
     * safely below overflow (the caller then takes the accumulator, which rounds there exactly).
     */
    double round() {
        int i = n;
        if (i == 0) return 0.0;
        double hi = p[--i], lo = 0.0;
        while (i > 0) {
            double x = hi, y = p[--i];
            hi = x + y;
            lo = y - (hi - x);
            if (lo != 0.0) break;
        }
        // hi + lo is exact and hi is it rounded; when lo is half an ulp of hi, the partials below
        // of lo's sign push the sum past halfway, and round to even went the wrong way.
        if (i > 0 && ((lo < 0.0 && p[i - 1] < 0.0) || (lo > 0.0 && p[i - 1] > 0.0))) {
            double y = lo * 2.0, x = hi + y;
            if (y == x - hi) hi = x;
        }
        return Double.isFinite(hi) && Math.abs(hi) < Double.MAX_VALUE ? hi + 0.0 : Double.NaN;
    }

    /**
     * The sum of x[0, n), BLOCK &lt; n &lt;= BLOCKS * BLOCK, through a FewSum of its block partials
     * as k's sum computes them; NaN when a partial or the result is not finite (the caller then
     * takes the accumulator).
     */
    static double ofBlocks(RangeKernelSet k, int dtype, int mode, MemorySegment x, long n) {
        FewSum s = MINE.get();
        return k.sumPairs(dtype, mode, x, 0, n, s.pairs) ? s.ofPairs(n) : Double.NaN;
    }

    /**
     * The dot of x[0, n) and y[0, n), n &lt;= BLOCKS * BLOCK, through a FewSum of its block
     * partials as k's dot computes them (one block: its hi and lo); NaN when a block takes its
     * exact products, or a partial or the result is not finite (the caller then takes the
     * accumulator).
     */
    static double ofDotBlocks(RangeKernelSet k, int dtype, int mode, MemorySegment x, MemorySegment y, long n) {
        FewSum s = MINE.get();
        return k.dotPairs(dtype, mode, x, y, 0, n, s.pairs) ? s.ofPairs(n) : Double.NaN;
    }

    /** A few-block variance's centred pairs (sums of d*d, then of d), and its two centred sums. */
    private final double[] qPairs = new double[2 * BLOCKS], dPairs = new double[2 * BLOCKS], sums = new double[2];

    /**
     * The float variance of x[0, n), n &lt;= BLOCKS * BLOCK, around center, on one thread
     * ({@code few_variance}): its centred sums rounded once from the blocks' partials, then the
     * centred finish's rule and formula, again around c + D/n when the centre proves far from the
     * mean; the bits of the centred state's path. NaN when that path could differ (a block that
     * is not finite, sums too large for the formula, a centre that is not finite): the caller
     * then takes it.
     */
    static double variance(RangeKernelSet k, int dtype, int mode, MemorySegment x, long n, int ddof, double center) {
        if (!Double.isFinite(center)) return Double.NaN;
        FewSum s = MINE.get();
        double[] sums = s.sums;
        if (!s.centeredSums(k, dtype, mode, x, n, center, sums)) return Double.NaN;
        if (16.0 * (sums[1] * sums[1]) > sums[0] * (double) n) {
            double c = center + sums[1] / n;
            if (Double.isFinite(c) && c != center && !s.centeredSums(k, dtype, mode, x, n, c, sums)) return Double.NaN;
        }
        return (sums[0] - sums[1] * sums[1] / n) / (n - ddof);
    }

    /** Q and D around center rounded once into sums; false when a block is not finite, or Q or D is past the formula's range. */
    private boolean centeredSums(RangeKernelSet k, int dtype, int mode, MemorySegment x, long n, double center, double[] sums) {
        if (!k.centeredPairs(dtype, mode, x, 0, n, center, qPairs, dPairs)) return false;
        int values = (int) (2 * ((n + BLOCK - 1) / BLOCK));
        System.arraycopy(qPairs, 0, pairs, 0, values);
        sums[0] = ofPairs(n);
        System.arraycopy(dPairs, 0, pairs, 0, values);
        sums[1] = ofPairs(n);
        return !Double.isNaN(sums[0]) && !Double.isNaN(sums[1]) && Math.abs(sums[1]) < 0x1p500;
    }

    /** The exact sum of the pairs of the blocks of n elements, rounded once, or NaN (as {@link #round}). */
    private double ofPairs(long n) {
        int end = (int) (2 * ((n + BLOCK - 1) / BLOCK));
        if (end <= 2) {
            // One block, or none: the exact sum of its hi and lo rounded once is their IEEE sum
            // (+0.0 for zero, as the accumulator gives); past DBL_MAX the accumulator decides.
            double r = end == 0 ? 0.0 : pairs[0] + pairs[1];
            return Double.isFinite(r) && Math.abs(r) < Double.MAX_VALUE ? r + 0.0 : Double.NaN;
        }
        this.n = 0;
        for (int i = 0; i < end; i++) {
            if (pairs[i] != 0.0 && !add(pairs[i])) return Double.NaN;
        }
        return round();
    }
}
