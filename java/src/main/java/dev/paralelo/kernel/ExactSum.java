package dev.paralelo.kernel;

import java.util.Arrays;

/**
 * An exact sum of doubles: the partial state of every floating-point reduction in Paralelo.
 *
 * <p>Terms are added without rounding into a 2,176-bit fixed-point integer (68 signed 32-bit
 * digits in 64-bit words, unit 2<sup>-1074</sup>), so adding is associative and commutative.
 * Partials produced anywhere (threads, worker processes, MPI ranks, the native or the Java
 * kernels) therefore {@linkplain #merge merge} to the same bits in any order, and
 * {@link #round()} rounds once, to nearest with ties to even. NaN and infinities are counted
 * separately and follow IEEE rules in {@link #round()}.
 *
 * <p>The state is 72 {@code long} words with the layout of the C struct {@code pl_acc}:
 * digits 0..67, then pending additions, NaN count, +inf count, -inf count. {@link #words()}
 * exposes it so the native kernels can fill it in place.
 *
 * <p>Not thread-safe: give each thread its own and merge.
 */
public final class ExactSum {
    /** Number of 32-bit digits. */
    public static final int DIGITS = 68;
    /** Number of 64-bit words in the state ({@code sizeof(pl_acc) / 8}). */
    public static final int WORDS = 72;
    static final int ADDS = 68, NAN = 69, POS_INF = 70, NEG_INF = 71;
    private static final long MASK = 0xFFFF_FFFFL;
    private static final long NORMALIZE_EVERY = 1L << 29;

    private final long[] w = new long[WORDS];

    /** A zero sum. */
    public ExactSum() {}

    /** The live state words, layout of {@code pl_acc}; for the native bindings. */
    public long[] words() {
        return w;
    }

    /** Resets to zero. */
    public void clear() {
        Arrays.fill(w, 0);
    }

    /** Adds x exactly. */
    public void add(double x) {
        long bits = Double.doubleToRawLongBits(x);
        int be = (int) ((bits >>> 52) & 0x7FF);
        long m = bits & ((1L << 52) - 1);
        boolean neg = bits < 0;
        if (be == 0x7FF) {
            w[m != 0 ? NAN : neg ? NEG_INF : POS_INF]++;
            return;
        }
        if (be == 0) {
            if (m == 0) return;
            be = 1;
        } else {
            m |= 1L << 52;
        }
        int p = be - 1, k = p >>> 5, r = p & 31;
        long lo = (m & MASK) << r;
        long hi = (m >>> 32) << r;
        long d0 = lo & MASK, d1 = (lo >>> 32) + (hi & MASK), d2 = hi >>> 32;
        if (neg) {
            w[k] -= d0;
            w[k + 1] -= d1;
            w[k + 2] -= d2;
        } else {
            w[k] += d0;
            w[k + 1] += d1;
            w[k + 2] += d2;
        }
        if (++w[ADDS] >= NORMALIZE_EVERY) normalize(w);
    }

    /** Adds all of other's terms exactly; other is unchanged. */
    public void merge(ExactSum other) {
        long[] s = other.w.clone();
        normalize(s);
        normalize(w);
        for (int k = 0; k < DIGITS; k++) w[k] += s[k];
        w[ADDS] = 2;
        w[NAN] += s[NAN];
        w[POS_INF] += s[POS_INF];
        w[NEG_INF] += s[NEG_INF];
    }

    private static void normalize(long[] d) {
        for (int k = 0; k < DIGITS - 1; k++) {
            long low = d[k] & MASK;
            long carry = (d[k] - low) >> 32;
            d[k] = low;
            d[k + 1] += carry;
        }
        d[ADDS] = 0;
    }

    /** The sum rounded to the nearest double, ties to even; +0.0 when it is exactly zero. */
    public double round() {
        if (w[NAN] != 0 || (w[POS_INF] != 0 && w[NEG_INF] != 0)) return Double.NaN;
        if (w[POS_INF] != 0) return Double.POSITIVE_INFINITY;
        if (w[NEG_INF] != 0) return Double.NEGATIVE_INFINITY;
        long[] a = w.clone();
        normalize(a);
        boolean neg = a[DIGITS - 1] < 0;
        if (neg) {
            for (int k = 0; k < DIGITS; k++) a[k] = -a[k];
            normalize(a);
        }
        int h = DIGITS - 1;
        while (h >= 0 && a[h] == 0) h--;
        if (h < 0) return 0.0;
        int top = h * 32 + 63 - Long.numberOfLeadingZeros(a[h]);
        long bits;
        if (top <= 52) {
            bits = window(a, 0) & ((2L << top) - 1);
        } else {
            long m = window(a, top - 52) & ((1L << 53) - 1);
            long half = window(a, top - 53) & 1;
            boolean sticky = top - 53 > 0 && anyBelow(a, top - 53);
            if (half != 0 && (sticky || (m & 1) != 0)) m++;
            if (m == 1L << 53) {
                m >>>= 1;
                top++;
            }
            int be = top - 51;
            if (be >= 0x7FF) return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            bits = ((long) be << 52) | (m & ((1L << 52) - 1));
        }
        if (neg) bits |= Long.MIN_VALUE;
        return Double.longBitsToDouble(bits);
    }

    /** Bits [pos, pos + 64) of a normalised, non-negative state. */
    private static long window(long[] a, int pos) {
        int k = pos >>> 5, r = pos & 31;
        long w = 0;
        for (int j = 0; j < 3 && k + j < DIGITS; j++) {
            int sh = 32 * j - r;
            if (sh < 0) w |= a[k + j] >>> -sh;
            else if (sh < 64) w |= a[k + j] << sh;
        }
        return w;
    }

    private static boolean anyBelow(long[] a, int pos) {
        int k = pos >>> 5;
        for (int i = 0; i < k; i++) if (a[i] != 0) return true;
        return (a[k] & ((1L << (pos & 31)) - 1)) != 0;
    }
}
