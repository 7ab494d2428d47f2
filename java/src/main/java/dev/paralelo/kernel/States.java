package dev.paralelo.kernel;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_DOT;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_MAX;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_MEAN;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_MIN;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_CENTERED;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_EXTREMUM;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_INTEGER;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_MOMENTS;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_SUM;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_SUM;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_VAR;

/**
 * Partial states as {@code long[]} words with the layout of their C structs, twin of
 * {@code native/src/states.c}: kinds, identities, merges and finishes. The field offsets
 * below are word indices; {@link #layout} gives them in bytes as {@code pl_state_layout} does,
 * and a test checks that the two agree.
 */
public final class States {
    private States() {}

    /** {@code pl_extremum} fields. */
    public static final int EXTREMUM_DTYPE = 0, EXTREMUM_OP = 1, EXTREMUM_COUNT = 2, EXTREMUM_NAN = 3,
            EXTREMUM_INDEX = 4, EXTREMUM_VALUE = 5, EXTREMUM_WORDS = 6;
    /** {@code pl_centered} fields: the two accumulators start at DEV and SQ. */
    public static final int CENTERED_CENTER = 0, CENTERED_COUNT = 1, CENTERED_DEV = 2,
            CENTERED_SQ = CENTERED_DEV + ExactAccumulator.WORDS, CENTERED_WORDS = CENTERED_SQ + ExactAccumulator.WORDS;
    /** {@code pl_moments} fields. */
    public static final int MOMENTS_COUNT = 0, MOMENTS_RESERVED = 1, MOMENTS_SUM = 2,
            MOMENTS_SUMSQ = MOMENTS_SUM + WideInteger.WORDS, MOMENTS_WORDS = MOMENTS_SUMSQ + WideInteger.WORDS;

    /** No array holds more than 2^62 elements: counts in states stay at or below it. */
    public static final long MAX_COUNT = 1L << 62;

    /** a + b for counts in [0, MAX_COUNT], saturated at MAX_COUNT ({@code pl_count_add}). */
    static long countAdd(long a, long b) {
        return a > MAX_COUNT - b ? MAX_COUNT : a + b;
    }

    /** The two counts added; IllegalArgumentException when they pass MAX_COUNT ({@code counts_fit}). */
    private static long countsAdded(long a, long b) {
        if (a < 0 || b < 0 || a > MAX_COUNT - b) {
            throw new IllegalArgumentException("cannot merge states of " + a + " and " + b
                    + " elements: together they pass 2^62, more than any array holds");
        }
        return a + b;
    }

    static boolean isFloat(int dtype) {
        return dtype == KernelBackend.F64 || dtype == KernelBackend.F32;
    }

    /** The {@code PL_STATE_*} kind of (dtype, op) ({@code pl_state_kind}). */
    public static int kind(int dtype, int op) {
        boolean fl = isFloat(dtype);
        return switch (op) {
            case PL_SUM, PL_MEAN, PL_DOT -> fl ? PL_STATE_SUM : PL_STATE_INTEGER;
            case PL_MIN, PL_MAX -> PL_STATE_EXTREMUM;
            case PL_VAR -> fl ? PL_STATE_CENTERED : PL_STATE_MOMENTS;
            default -> throw new IllegalArgumentException("no partial state for operation " + op);
        };
    }

    /** Words of a kind's state ({@code pl_state_words}). */
    public static int words(int kind) {
        return switch (kind) {
            case PL_STATE_SUM -> ExactAccumulator.WORDS;
            case PL_STATE_INTEGER -> WideInteger.WORDS;
            case PL_STATE_EXTREMUM -> EXTREMUM_WORDS;
            case PL_STATE_CENTERED -> CENTERED_WORDS;
            case PL_STATE_MOMENTS -> MOMENTS_WORDS;
            default -> throw new IllegalArgumentException("unknown partial state kind " + kind);
        };
    }

    /** Byte offsets of a kind's fields in declaration order, then its size ({@code pl_state_layout}). */
    public static long[] layout(int kind) {
        int[] w = switch (kind) {
            case PL_STATE_SUM -> new int[] {0, ExactAccumulator.ADDS, ExactAccumulator.NAN, ExactAccumulator.POS_INF,
                ExactAccumulator.NEG_INF, ExactAccumulator.WORDS};
            case PL_STATE_INTEGER -> new int[] {0, WideInteger.WORDS};
            case PL_STATE_EXTREMUM -> new int[] {EXTREMUM_DTYPE, EXTREMUM_OP, EXTREMUM_COUNT, EXTREMUM_NAN,
                EXTREMUM_INDEX, EXTREMUM_VALUE, EXTREMUM_WORDS};
            case PL_STATE_CENTERED -> new int[] {CENTERED_CENTER, CENTERED_COUNT, CENTERED_DEV, CENTERED_SQ, CENTERED_WORDS};
            case PL_STATE_MOMENTS -> new int[] {MOMENTS_COUNT, MOMENTS_RESERVED, MOMENTS_SUM, MOMENTS_SUMSQ, MOMENTS_WORDS};
            default -> throw new IllegalArgumentException("unknown partial state kind " + kind);
        };
        long[] bytes = new long[w.length];
        for (int i = 0; i < w.length; i++) bytes[i] = 8L * w[i];
        return bytes;
    }

    /** The identity of (dtype, op) ({@code pl_state_init}). */
    public static long[] init(int dtype, int op, double center) {
        return reset(new long[words(kind(dtype, op))], dtype, op, center);
    }

    /** s, of the words of (dtype, op)'s kind, set to what {@link #init} returns; for a state reused by one thread. */
    static long[] reset(long[] s, int dtype, int op, double center) {
        int kind = kind(dtype, op);
        java.util.Arrays.fill(s, 0L);
        if (kind == PL_STATE_EXTREMUM) {
            s[EXTREMUM_DTYPE] = dtype;
            s[EXTREMUM_OP] = op;
        } else if (kind == PL_STATE_CENTERED) {
            s[CENTERED_CENTER] = Double.doubleToLongBits(center); // any NaN as the canonical one
        }
        return s;
    }

    /** An identity for the state s: same kind, dtype, op and centre ({@code identity_of}). */
    static long[] identityOf(int kind, long[] s) {
        long[] id = new long[s.length];
        if (kind == PL_STATE_EXTREMUM) {
            id[EXTREMUM_DTYPE] = s[EXTREMUM_DTYPE];
            id[EXTREMUM_OP] = s[EXTREMUM_OP];
        } else if (kind == PL_STATE_CENTERED) {
            id[CENTERED_CENTER] = s[CENTERED_CENTER];
        }
        return id;
    }

    /** Whether a is a better extreme than b for op (strictly; NaN excluded). */
    static boolean better(int op, double a, double b) {
        return op == PL_MIN ? a < b : a > b;
    }

    /** dst = merge(dst, src) for min/max states of one dtype and op ({@code pl_extremum_merge}). */
    static void extremumMerge(long[] dst, long[] src) {
        long count = countsAdded(dst[EXTREMUM_COUNT], src[EXTREMUM_COUNT]);
        if (src[EXTREMUM_COUNT] == 0) return;
        if (dst[EXTREMUM_COUNT] == 0) {
            System.arraycopy(src, 0, dst, 0, EXTREMUM_WORDS);
            return;
        }
        int op = (int) dst[EXTREMUM_OP];
        if (dst[EXTREMUM_NAN] != 0 || src[EXTREMUM_NAN] != 0) {
            // The first NaN of the two ranges.
            if (dst[EXTREMUM_NAN] == 0 || (src[EXTREMUM_NAN] != 0 && src[EXTREMUM_INDEX] < dst[EXTREMUM_INDEX])) {
                System.arraycopy(src, 0, dst, 0, EXTREMUM_WORDS);
            }
        } else if (!isFloat((int) dst[EXTREMUM_DTYPE])) {
            long a = dst[EXTREMUM_VALUE], b = src[EXTREMUM_VALUE];
            if (op == PL_MIN ? b < a : b > a) System.arraycopy(src, 0, dst, 0, EXTREMUM_WORDS);
            else if (a == b && src[EXTREMUM_INDEX] < dst[EXTREMUM_INDEX]) dst[EXTREMUM_INDEX] = src[EXTREMUM_INDEX];
        } else {
            double a = Double.longBitsToDouble(dst[EXTREMUM_VALUE]), b = Double.longBitsToDouble(src[EXTREMUM_VALUE]);
            if (better(op, b, a)) {
                System.arraycopy(src, 0, dst, 0, EXTREMUM_WORDS);
            } else if (a == b) {
                if (src[EXTREMUM_INDEX] < dst[EXTREMUM_INDEX]) dst[EXTREMUM_INDEX] = src[EXTREMUM_INDEX];
                // Equal zeros: the sign a zero min or max takes wins.
                boolean negB = src[EXTREMUM_VALUE] < 0;
                if (a == 0 && negB != (dst[EXTREMUM_VALUE] < 0) && negB == (op == PL_MIN)) {
                    dst[EXTREMUM_VALUE] = src[EXTREMUM_VALUE];
                }
            }
        }
        dst[EXTREMUM_COUNT] = count;
    }

    /**
     * dst = merge(dst, src) for two states of one kind ({@code pl_merge}).
     *
     * @throws IllegalArgumentException for min/max states of different element types or
     *     operations, variance states centred on different means, or element counts that
     *     together pass 2^62
     */
    public static void merge(int kind, long[] dst, long[] src) {
        switch (kind) {
            case PL_STATE_SUM -> ExactAccumulator.merge(dst, 0, src, 0);
            case PL_STATE_INTEGER -> WideInteger.add(dst, 0, src, 0);
            case PL_STATE_EXTREMUM -> {
                if (dst[EXTREMUM_DTYPE] != src[EXTREMUM_DTYPE] || dst[EXTREMUM_OP] != src[EXTREMUM_OP]) {
                    throw new IllegalArgumentException("cannot merge min/max states of different element types or operations");
                }
                extremumMerge(dst, src);
            }
            case PL_STATE_CENTERED -> {
                // Deviations from different centres do not add up to anything.
                if (dst[CENTERED_CENTER] != src[CENTERED_CENTER]) {
                    throw new IllegalArgumentException("cannot merge variance states centred on different means ("
                            + Double.longBitsToDouble(dst[CENTERED_CENTER]) + " and "
                            + Double.longBitsToDouble(src[CENTERED_CENTER]) + ")");
                }
                long count = countsAdded(dst[CENTERED_COUNT], src[CENTERED_COUNT]);
                ExactAccumulator.merge(dst, CENTERED_DEV, src, CENTERED_DEV);
                ExactAccumulator.merge(dst, CENTERED_SQ, src, CENTERED_SQ);
                dst[CENTERED_COUNT] = count;
            }
            case PL_STATE_MOMENTS -> {
                long count = countsAdded(dst[MOMENTS_COUNT], src[MOMENTS_COUNT]);
                WideInteger.add(dst, MOMENTS_SUM, src, MOMENTS_SUM);
                WideInteger.add(dst, MOMENTS_SUMSQ, src, MOMENTS_SUMSQ);
                dst[MOMENTS_COUNT] = count;
            }
            default -> throw new IllegalArgumentException("unknown partial state kind " + kind);
        }
    }

    /** The variance of a centred or moments state with ddof removed ({@code pl_variance_result}). */
    public static double variance(int kind, long[] s, int ddof) {
        if (kind == PL_STATE_MOMENTS) return WideInteger.momentsVariance(s[MOMENTS_COUNT], s, MOMENTS_SUM, MOMENTS_SUMSQ, ddof);
        if (kind != PL_STATE_CENTERED) throw new IllegalArgumentException("not a variance state: kind " + kind);
        return centeredFinish(s, ddof, true)[0];
    }

    /**
     * The float variance's passes ({@code pl_variance}'s steps): the centred sums around center,
     * and, when they show it far from the mean, around the centre they give; the variance with
     * ddof of the last. pass maps a centre to the whole array's centred state.
     */
    static double centeredVariance(double center, java.util.function.DoubleFunction<long[]> pass, int ddof) {
        double[] r = centeredFinish(pass.apply(center), ddof, false);
        return Double.isNaN(r[1]) ? r[0] : variance(PL_STATE_CENTERED, pass.apply(r[1]), ddof);
    }

    /**
     * The centre of a second pass over the data of a centred state (its partials merged), or NaN
     * when its centre lies close enough to its data's mean ({@code pl_variance_recenter}).
     */
    public static double recenter(long[] s) {
        return centeredFinish(s, 0, false)[1];
    }

    /**
     * {@code pl_centered_finish}: {variance with ddof (NaN when not asked for and a second pass
     * is due), centre of the second pass or NaN}. The one-pass rule (docs/ACCURACY.md,
     * "Variance"): a state whose centre c lies far from its data's mean, 16 D^2 > n Q, is summed
     * again around c + D/n. Both sides are at the scale of the variance's sums, where they compare
     * as the unscaled sums do; a product past DBL_MAX only makes the right side infinite, where
     * D^2 <= n Q holds anyway. The accumulators are rounded once for both.
     */
    static double[] centeredFinish(long[] s, int ddof, boolean always) {
        long n = s[CENTERED_COUNT];
        if (n < 0 || n > MAX_COUNT) throw new IllegalArgumentException("a variance state of " + n + " elements");
        double center = Double.longBitsToDouble(s[CENTERED_CENTER]);
        double[] r = {Double.NaN, Double.NaN};
        if (n == 0 || !Double.isFinite(center)) return r; // no elements, or no finite centre: NaN
        double sq = ExactAccumulator.round(s, CENTERED_SQ), sd = ExactAccumulator.round(s, CENTERED_DEV);
        boolean special = ExactAccumulator.special(s, CENTERED_SQ) || ExactAccumulator.special(s, CENTERED_DEV);
        int k = 0;
        if (!special && !(Double.isFinite(sq) && Math.abs(sd) < 0x1p500)) {
            // Finite sums too large for the formula (a variance near or past DBL_MAX, or a centre
            // far from the data's mean): the sums scaled by 2^-2k and 2^-k, each rounded once at
            // that scale; 2k brings sq below 2^1001 and sd below 2^501.
            int eq = ExactAccumulator.exponent(s, CENTERED_SQ), ed = ExactAccumulator.exponent(s, CENTERED_DEV);
            k = 1;
            if (eq > 1000 && (eq - 999) / 2 > k) k = (eq - 999) / 2;
            if (ed > 500 && ed - 500 > k) k = ed - 500;
            k = Math.min(k, 1024); // no state of real data comes near (sq < 2^2113, sd < 2^1088)
            sq = ExactAccumulator.roundScaled(s, CENTERED_SQ, 2 * k);
            sd = ExactAccumulator.roundScaled(s, CENTERED_DEV, k);
        }
        if (!special && 16.0 * (sd * sd) > sq * (double) n) {
            double c = center + (k != 0 ? Math.scalb(sd / n, k) : sd / n);
            if (Double.isFinite(c) && c != center) {
                r[1] = c;
                if (!always) return r;
            }
        }
        if (n - ddof <= 0) return r; // numpy: no degrees of freedom left
        // sd/n is how far the centre lies from the mean; subtracting sd^2/n corrects for it.
        // Scaled sums are scaled back by 2^2k, which overflows only when the variance does.
        double v = (sq - sd * sd / n) / (n - ddof);
        r[0] = k != 0 ? Math.scalb(v, 2 * k) : v;
        return r;
    }
}
