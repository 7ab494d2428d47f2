package dev.paralelo;

import dev.paralelo.internal.ffi.ParaleloLib;

/**
 * The reductions whose partial states {@link Kernels#partial(Reduction, NumArray, BlockRange)}
 * computes, with the {@code PL_*} operation codes of paralelo.h (the codes the wire protocol
 * carries).
 *
 * <p>Which {@link Partial} each gives: SUM, MEAN and DOT an {@link ExactSum} for float data and
 * an {@link IntegerSum} for integer data (a mean is the sum's state, divided at the finish);
 * MIN and MAX an {@link Extremum}; VARIANCE an {@link IntegerMoments} for integer data and, for
 * float data, a {@link CenteredSums} around a centre found first (see {@link #phases}).
 */
public enum Reduction {
    /** Sum. */
    SUM(ParaleloLib.PL_SUM),
    /** Mean: the state of the sum, divided by the element count at the finish. */
    MEAN(ParaleloLib.PL_MEAN),
    /** Minimum, numpy's NaN rule, first index of the minimum. */
    MIN(ParaleloLib.PL_MIN),
    /** Maximum, numpy's NaN rule, first index of the maximum. */
    MAX(ParaleloLib.PL_MAX),
    /** Variance (and standard deviation). */
    VARIANCE(ParaleloLib.PL_VAR),
    /** Dot product of two arrays. */
    DOT(ParaleloLib.PL_DOT);

    private final int code;

    Reduction(int code) {
        this.code = code;
    }

    /**
     * The {@code PL_*} operation code.
     *
     * @return the code that paralelo.h and the wire protocol use for this reduction
     */
    public int code() {
        return code;
    }

    /**
     * The reduction with this {@code PL_*} code; IllegalArgumentException if there is none.
     *
     * @param code a {@code PL_*} operation code, as returned by {@link #code()}
     * @return the reduction with that code
     * @throws IllegalArgumentException if no reduction has that code
     */
    public static Reduction ofCode(int code) {
        for (Reduction r : values()) if (r.code == code) return r;
        throw new IllegalArgumentException("no reduction has code " + code);
    }

    /**
     * The most passes over the data this reduction takes when distributed: 2 for the variance of
     * floats, 1 otherwise. A float variance sums deviations from a centre, the mean of a sample
     * ({@link Kernels#varianceCenter}), in one pass ({@link Kernels#partialAround}), and takes a
     * second pass only when that centre proves far from the mean
     * ({@link CenteredSums#recenter()}): so it stays accurate and bit-identical to one process.
     *
     * @param t the element type of the data
     * @return 2 for {@link #VARIANCE} of f64 or f32 data, 1 for everything else
     */
    public int phases(DType t) {
        return this == VARIANCE && t.isFloat() ? 2 : 1;
    }
}
