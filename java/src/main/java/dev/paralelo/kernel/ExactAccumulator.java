package dev.paralelo.kernel;

import java.util.Arrays;

/**
 * The exact accumulator, twin of {@code native/src/accum.c}: the state {@code pl_acc} as 72
 * {@code long} words inside a larger state array, starting at a given word.
 *
 * <p>Words 0..67 are signed 32-bit digits (value in units of 2<sup>-1074</sup>, digit k holding
 * bits [32k, 32k+32), carries pending until normalised), then pending additions, the count of
 * NaN terms, of +inf terms and of -inf terms. Adding is exact, so merging is associative and
 * commutative; {@link #round} rounds once, to nearest with ties to even.
 */
public final class ExactAccumulator {
    private ExactAccumulator() {}

    /** Number of 32-bit digits ({@code PL_ACC_DIGITS}). */
    public static final int DIGITS = 68;
    /** Words of the state ({@code sizeof(pl_acc) / 8}). */
    public static final int WORDS = 72;
    /** Word offsets of the fields after the digits. */
    public static final int ADDS = 68, NAN = 69, POS_INF = 70, NEG_INF = 71;
    private static final long MASK = 0xFFFF_FFFFL;
    private static final long NORMALIZE_EVERY = 1L << 29;

    /** Adds x exactly to the accumulator at w[at..at+72) ({@code pl_acc_add_term}). */
    public static void add(long[] w, int at, double x) {
        long bits = Double.doubleToRawLongBits(x);
        int be = (int) ((bits >>> 52) & 0x7FF);
        long m = bits & ((1L << 52) - 1);
        boolean neg = bits < 0;
        if (be == 0x7FF) {
            w[at + (m != 0 ? NAN : neg ? NEG_INF : POS_INF)]++;
            return;
        }
        if (be == 0) {
            if (m == 0) return; // a zero of either sign adds nothing
            be = 1; // subnormal: same scale as the smallest normal, no hidden bit
        } else {
            m |= 1L << 52;
        }
        int p = be - 1, k = at + (p >>> 5), r = p & 31;
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
        if (++w[at + ADDS] >= NORMALIZE_EVERY) normalize(w, at);
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

    /** The sum rounded to the nearest double, ties to even; +0.0 when it is exactly zero. */
    public static double round(long[] w, int at) {
        if (w[at + NAN] != 0 || (w[at + POS_INF] != 0 && w[at + NEG_INF] != 0)) return Double.NaN;
        if (w[at + POS_INF] != 0) return Double.POSITIVE_INFINITY;
        if (w[at + NEG_INF] != 0) return Double.NEGATIVE_INFINITY;
        long[] a = Arrays.copyOfRange(w, at, at + WORDS);
        normalize(a, 0);
        boolean neg = a[DIGITS - 1] < 0;
        if (neg) {
            for (int k = 0; k < DIGITS; k++) a[k] = -a[k];
            normalize(a, 0);
        }
        int h = DIGITS - 1;
        while (h >= 0 && a[h] == 0) h--;
        if (h < 0) return 0.0;
        int top = h * 32 + 63 - Long.numberOfLeadingZeros(a[h]);
        long bits;
        if (top <= 52) {
            // Below 2^-1021 every multiple of 2^-1074 is representable: the integer is the bits.
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
