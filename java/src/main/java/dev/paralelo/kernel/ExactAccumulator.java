package dev.paralelo.kernel;

import java.util.Arrays;

/**
 * The exact accumulator, twin of {@code native/src/accum.c}: the state {@code pl_acc} as 140
 * {@code long} words inside a larger state array, starting at a given word.
 *
 * <p>Words 0..135 are signed 32-bit digits (value in units of 2<sup>-2162</sup>, digit k holding
 * bits [32k, 32k+32), carries pending until normalised): 34 digits below 2<sup>-1074</sup>, where
 * exact products of doubles reach, 68 that hold every double, and 34 above, where products and
 * squares of differences reach. Then pending additions, the count of NaN terms, of +inf terms
 * and of -inf terms. Adding is exact, so merging is associative and commutative; {@link #round}
 * rounds once, to nearest with ties to even.
 */
public final class ExactAccumulator {
    private ExactAccumulator() {}

    /** Number of 32-bit digits ({@code PL_ACC_DIGITS}). */
    public static final int DIGITS = 136;
    /** Words of the state ({@code sizeof(pl_acc) / 8}). */
    public static final int WORDS = DIGITS + 4;
    /** Word offsets of the fields after the digits. */
    public static final int ADDS = DIGITS, NAN = DIGITS + 1, POS_INF = DIGITS + 2, NEG_INF = DIGITS + 3;
    /** Bits below 2^-1074: bit b of the integer weighs 2^(b - LOW_BITS - 1074). */
    static final int LOW_BITS = 34 * 32;
    private static final long MASK = 0xFFFF_FFFFL;
    private static final long NORMALIZE_EVERY = 1L << 29;

    /** A finite double's significand (below 2^53; 0 for a zero): x = m 2^(p - 1074). */
    private static long significand(long bits) {
        int be = (int) ((bits >>> 52) & 0x7FF);
        long m = bits & ((1L << 52) - 1);
        return be == 0 ? m : m | 1L << 52; // a subnormal has the smallest normal's scale, no hidden bit
    }

    /** The position p of a finite double's unit: x = m 2^(p - 1074). */
    private static int unitPosition(long bits) {
        int be = (int) ((bits >>> 52) & 0x7FF);
        return be == 0 ? 0 : be - 1;
    }

    /** Adds or subtracts the n digits d (each below 2^33) from digit k up ({@code add_digits}). */
    private static void addDigits(long[] w, int at, int k, long[] d, int n, boolean neg) {
        for (int j = 0; j < n; j++) w[at + k + j] += neg ? -d[j] : d[j];
        if (++w[at + ADDS] >= NORMALIZE_EVERY) normalize(w, at);
    }

    /** Adds x exactly to the accumulator at w[at..at+140) ({@code pl_acc_add_term}). */
    public static void add(long[] w, int at, double x) {
        long bits = Double.doubleToRawLongBits(x);
        if (((bits >>> 52) & 0x7FF) == 0x7FF) {
            int count = at + ((bits & ((1L << 52) - 1)) != 0 ? NAN : bits < 0 ? NEG_INF : POS_INF);
            if (w[count] < 1L << 62) w[count]++; // counted up to 2^62, as merges count
            return;
        }
        long m = significand(bits);
        if (m == 0) return; // a zero of either sign adds nothing
        int p = unitPosition(bits) + LOW_BITS, r = p & 31;
        long lo = (m & MASK) << r;
        long hi = (m >>> 32) << r;
        long d0 = lo & MASK, d1 = (lo >>> 32) + (hi & MASK), d2 = hi >>> 32;
        int k = at + (p >>> 5);
        if (bits < 0) {
            w[k] -= d0;
            w[k + 1] -= d1;
            w[k + 2] -= d2;
        } else {
            w[k] += d0;
            w[k + 1] += d1;
            w[k + 2] += d2;
        }
        if (++w[at + ADDS] >= NORMALIZE_EVERY) normalize(w, at);
    }

    /**
     * Adds the exact product x * y ({@code pl_acc_add_product_term}): the significands' 106-bit
     * product placed at 2^(p + q - 2148), never rounded, overflowed or underflowed. A non-finite
     * factor adds the IEEE product's special value (inf * 0 is NaN).
     */
    public static void addProduct(long[] w, int at, double x, double y) {
        if (!Double.isFinite(x) || !Double.isFinite(y)) {
            add(w, at, x * y);
            return;
        }
        long bx = Double.doubleToRawLongBits(x), by = Double.doubleToRawLongBits(y);
        long mx = significand(bx), my = significand(by);
        if (mx == 0 || my == 0) return;
        long lo = mx * my, hi = Math.multiplyHigh(mx, my); // < 2^106: hi < 2^42
        int pos = unitPosition(bx) + unitPosition(by) + LOW_BITS - 1074, r = pos & 31;
        // The four 32-bit digits of the product, each shifted by r (< 2^63), recombined into five.
        long t0 = (lo & MASK) << r, t1 = (lo >>> 32) << r, t2 = (hi & MASK) << r, t3 = (hi >>> 32) << r;
        long[] d = {t0 & MASK, (t1 & MASK) + (t0 >>> 32), (t2 & MASK) + (t1 >>> 32), (t3 & MASK) + (t2 >>> 32), t3 >>> 32};
        addDigits(w, at, pos >>> 5, d, 5, (bx ^ by) < 0);
    }

    /**
     * Propagates carries ({@code pl_acc_normalize}): upwards from the lowest non-zero digit until
     * they die out above the highest one, giving the unique form with every digit but the top
     * one in [0, 2^32); pending additions 0.
     */
    public static void normalize(long[] d, int at) {
        d[at + ADDS] = 0;
        int lo = 0, hi = DIGITS - 1;
        while (lo < DIGITS && d[at + lo] == 0) lo++;
        if (lo == DIGITS) return;
        while (d[at + hi] == 0) hi--;
        long carry = 0;
        int k = lo;
        for (; k < DIGITS - 1 && (k <= hi || carry != 0); k++) {
            long v = d[at + k] + carry;
            long low = v & MASK;
            carry = (v - low) >> 32; // exact: v - low is a multiple of 2^32
            d[at + k] = low;
        }
        if (k == DIGITS - 1) d[at + k] += carry;
    }

    /** dst += src ({@code pl_acc_merge}); src is unchanged. */
    public static void merge(long[] dst, int dat, long[] src, int sat) {
        long[] s = Arrays.copyOfRange(src, sat, sat + WORDS);
        normalize(s, 0);
        normalize(dst, dat);
        for (int k = 0; k < DIGITS; k++) dst[dat + k] += s[k];
        dst[dat + ADDS] = 2;
        // Only whether a count is zero matters: saturate, so no merge can wrap one to zero.
        dst[dat + NAN] = States.countAdd(dst[dat + NAN], s[NAN]);
        dst[dat + POS_INF] = States.countAdd(dst[dat + POS_INF], s[POS_INF]);
        dst[dat + NEG_INF] = States.countAdd(dst[dat + NEG_INF], s[NEG_INF]);
    }

    /**
     * dst += src where src is canonical (normalised, 0 pending additions: every public state
     * is): its digits are added as they are, with no copy and no normalisation of either side,
     * and count as one pending addition of dst's. Many states merge in one pass this way, with
     * one normalisation at the end ({@link #normalize}), to the bits of pairwise merges.
     */
    public static void mergeCanonical(long[] dst, int dat, long[] src, int sat) {
        for (int k = 0; k < DIGITS; k++) dst[dat + k] += src[sat + k]; // each below 2^32 (the top one below 2^24 in magnitude)
        dst[dat + NAN] = States.countAdd(dst[dat + NAN], src[sat + NAN]);
        dst[dat + POS_INF] = States.countAdd(dst[dat + POS_INF], src[sat + POS_INF]);
        dst[dat + NEG_INF] = States.countAdd(dst[dat + NEG_INF], src[sat + NEG_INF]);
        if (++dst[dat + ADDS] >= NORMALIZE_EVERY) normalize(dst, dat);
    }

    /** Whether NaN or infinite terms were added. */
    static boolean special(long[] w, int at) {
        return w[at + NAN] != 0 || w[at + POS_INF] != 0 || w[at + NEG_INF] != 0;
    }

    /** |value| of the finite digits, normalised, in a fresh array; sets neg[0] when negative. */
    private static long[] magnitude(long[] w, int at, boolean[] neg) {
        long[] a = Arrays.copyOfRange(w, at, at + WORDS);
        normalize(a, 0);
        neg[0] = a[DIGITS - 1] < 0;
        if (neg[0]) {
            for (int k = 0; k < DIGITS; k++) a[k] = -a[k];
            normalize(a, 0);
        }
        return a;
    }

    /** The highest set bit of a normalised non-negative state; -1 for zero. */
    private static int topBit(long[] a) {
        int h = DIGITS - 1;
        while (h >= 0 && a[h] == 0) h--;
        return h < 0 ? -1 : h * 32 + 63 - Long.numberOfLeadingZeros(a[h]);
    }

    /** The sum rounded to the nearest double, ties to even; +0.0 when it is exactly zero. */
    public static double round(long[] w, int at) {
        return roundScaled(w, at, 0);
    }

    /**
     * The sum times 2^-scale (0 &lt;= scale &lt;= 2048) rounded once, to nearest even
     * ({@code pl_acc_round_scaled}): the integer's weights are scaled, not a rounded result, so
     * a value too large for a double rounds as exactly as any other. NaN and infinities as
     * {@link #round}.
     */
    static double roundScaled(long[] w, int at, int scale) {
        if (w[at + NAN] != 0 || (w[at + POS_INF] != 0 && w[at + NEG_INF] != 0)) return Double.NaN;
        if (w[at + POS_INF] != 0) return Double.POSITIVE_INFINITY;
        if (w[at + NEG_INF] != 0) return Double.NEGATIVE_INFINITY;
        boolean[] neg = new boolean[1];
        long[] a = magnitude(w, at, neg);
        int top = topBit(a);
        if (top < 0) return 0.0;
        // The result's last bit: bit top - 52, or for a result below 2^-1022 the bit of 2^-1074.
        int sub = LOW_BITS + scale, lsb = Math.max(top - 52, sub);
        long m = window(a, lsb) & ((1L << 53) - 1);
        long half = window(a, lsb - 1) & 1;
        boolean sticky = anyBelow(a, lsb - 1);
        if (half != 0 && (sticky || (m & 1) != 0)) m++;
        long bits;
        if (lsb == sub) {
            bits = m; // below 2^-1021 the integer is the bit pattern (2^53 being 2^-1021)
        } else {
            if (m == 1L << 53) {
                m >>>= 1;
                lsb++;
            }
            int be = lsb - sub + 1;
            if (be >= 0x7FF) return neg[0] ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            bits = ((long) be << 52) | (m & ((1L << 52) - 1));
        }
        if (neg[0]) bits |= Long.MIN_VALUE;
        return Double.longBitsToDouble(bits);
    }

    /** floor(log2 |value|) of the finite digits; Integer.MIN_VALUE for zero ({@code pl_acc_exponent}). */
    static int exponent(long[] w, int at) {
        int top = topBit(magnitude(w, at, new boolean[1]));
        return top < 0 ? Integer.MIN_VALUE : top - LOW_BITS - 1074;
    }

    /**
     * The mean of n elements whose sum the state holds ({@code pl_acc_mean}): {@link #round} / n,
     * except that a finite sum too large for a double gives its finite mean: the sum rounded at
     * 2^-64 of its size, divided, and scaled back (two roundings, as round / n takes; never past
     * DBL_MAX, which bounds the mean). n = 0 gives NaN for an empty sum.
     */
    public static double mean(long[] w, int at, long n) {
        // The mean of nothing, whatever the accumulator holds (pl_acc_mean): 0/0 at run time, the
        // NaN whose bits every empty mean has (x86's default NaN, not Double.NaN's).
        if (n == 0) return 0.0 / n;
        double s = round(w, at);
        if (Double.isInfinite(s) && !special(w, at)) {
            double m = Math.scalb(roundScaled(w, at, 64) / n, 64);
            return Double.isInfinite(m) ? Math.copySign(Double.MAX_VALUE, m) : m; // rounded past DBL_MAX, which bounds it
        }
        return s / n;
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
