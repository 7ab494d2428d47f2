package dev.paralelo;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_CENTERED;
import static dev.paralelo.kernel.States.CENTERED_CENTER;
import static dev.paralelo.kernel.States.CENTERED_COUNT;
import static dev.paralelo.kernel.States.CENTERED_DEV;
import static dev.paralelo.kernel.States.CENTERED_SQ;

import dev.paralelo.kernel.ExactAccumulator;
import dev.paralelo.kernel.States;
import java.util.OptionalDouble;

/**
 * The centred sums of a float variance ({@code pl_centered}): over its elements, the exact sums
 * (of block partials) of d = x - center and of d*d, center being one value for the whole array:
 * {@link Kernels#varianceCenter}, the mean of a sample, or {@link #recenter()} of a first pass
 * (see {@link Kernels#partialAround}). Only states with the same centre merge.
 * {@link #variance(int)} is {@code (sum(d*d) - sum(d)^2 / n) / (n - ddof)}, the second term
 * correcting for the distance between the centre and the mean.
 *
 * <p>Immutable and thread-safe; kept normalised.
 */
public final class CenteredSums extends StateWords implements Partial {
    CenteredSums(long[] words) {
        super(PL_STATE_CENTERED, canonical(words));
    }

    private static long[] canonical(long[] words) {
        ExactAccumulator.normalize(words, CENTERED_DEV);
        ExactAccumulator.normalize(words, CENTERED_SQ);
        return words;
    }

    static CenteredSums decode(long[] w) {
        PartialCodec.checkCount(w[CENTERED_COUNT]);
        double center = Double.longBitsToDouble(w[CENTERED_CENTER]);
        PartialCodec.require(!Double.isNaN(center) || w[CENTERED_CENTER] == Double.doubleToRawLongBits(Double.NaN),
                "center", Long.toHexString(w[CENTERED_CENTER]), "a NaN centre is the canonical NaN");
        PartialCodec.checkAccumulator(w, CENTERED_DEV, "dev");
        PartialCodec.checkAccumulator(w, CENTERED_SQ, "sq");
        PartialCodec.require(w[CENTERED_SQ + ExactAccumulator.DIGITS - 1] >= 0, "sq", "negative", "a sum of squares is >= 0");
        if (w[CENTERED_COUNT] == 0) {
            PartialCodec.require(PartialCodec.zeroAccumulator(w, CENTERED_DEV) && PartialCodec.zeroAccumulator(w, CENTERED_SQ),
                    "dev/sq", "non-zero", "an empty state's sums are zero");
        }
        return new CenteredSums(w);
    }

    @Override
    public CenteredSums merge(Partial other) {
        CenteredSums m = new CenteredSums(mergedWords(other));
        return inRange(m, () -> {
            PartialCodec.checkAccumulator(m.w, CENTERED_DEV, "dev");
            PartialCodec.checkAccumulator(m.w, CENTERED_SQ, "sq");
        });
    }

    /**
     * The value the deviations are taken from.
     *
     * @return the centre (NaN or infinite if the sample it came from held such a value)
     */
    public double center() {
        return Double.longBitsToDouble(w[CENTERED_CENTER]);
    }

    /**
     * The number of elements.
     *
     * @return the count of elements whose deviations were summed, at least 0
     */
    public long count() {
        return w[CENTERED_COUNT];
    }

    /**
     * The variance with ddof degrees of freedom removed; NaN when count - ddof &lt;= 0 or the centre is not finite.
     *
     * @param ddof delta degrees of freedom: 0 for the population variance, 1 for the sample
     *     variance (numpy's {@code ddof})
     * @return the variance, never negative; NaN when count - ddof &lt;= 0 or the centre is not
     *     finite
     * @throws IllegalArgumentException if ddof is negative
     */
    public double variance(int ddof) {
        return varianceOf(ddof);
    }

    /**
     * Whether this state, of a whole array (its partials merged), needs a second pass: its
     * centre c lies far from its data's mean when 16 D^2 &gt; n Q, D = sum(d) and Q = sum(d*d)
     * (docs/ACCURACY.md, "Variance"). Then the variance is that of a second pass around the
     * centre this returns, c + D/n; that pass's state is final (do not ask it again).
     *
     * @return the centre of a second pass, or empty when this state's variance is the result
     */
    public OptionalDouble recenter() {
        double c = States.recenter(w);
        return Double.isNaN(c) ? OptionalDouble.empty() : OptionalDouble.of(c);
    }

    @Override
    public String toString() {
        return "CenteredSums[" + count() + " elements around " + center() + "]";
    }
}
