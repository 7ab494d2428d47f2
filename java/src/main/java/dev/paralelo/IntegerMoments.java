package dev.paralelo;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_MOMENTS;
import static dev.paralelo.kernel.States.MOMENTS_COUNT;
import static dev.paralelo.kernel.States.MOMENTS_RESERVED;
import static dev.paralelo.kernel.States.MOMENTS_SUM;
import static dev.paralelo.kernel.States.MOMENTS_SUMSQ;

import dev.paralelo.kernel.States;

/**
 * The variance of integer data in one exact phase ({@code pl_moments}): the element count and
 * the exact sums of x and x*x in 256 bits. {@link #variance(int)} is
 * {@code (n sum(x*x) - sum(x)^2) / (n (n - ddof))}, exact until one final rounding, so it is
 * right where a variance through doubles is not (2^60 + [0, 1, 2] has variance 2/3; numpy
 * gives 0).
 *
 * <p>Immutable and thread-safe.
 */
public final class IntegerMoments extends StateWords implements Partial {
    IntegerMoments(long[] words) {
        super(PL_STATE_MOMENTS, words);
    }

    static IntegerMoments decode(long[] w) {
        long n = w[MOMENTS_COUNT];
        PartialCodec.checkCount(n);
        PartialCodec.require(w[MOMENTS_RESERVED] == 0, "reserved", w[MOMENTS_RESERVED], "it is 0");
        java.math.BigInteger sum = dev.paralelo.kernel.WideInteger.toBigInteger(w, MOMENTS_SUM);
        java.math.BigInteger sumsq = dev.paralelo.kernel.WideInteger.toBigInteger(w, MOMENTS_SUMSQ);
        java.math.BigInteger count = java.math.BigInteger.valueOf(n);
        // What n int64 values can produce: |sum| <= n 2^63, 0 <= sumsq <= n 2^126, and, by
        // Cauchy-Schwarz, n sumsq >= sum^2 (which merging keeps).
        PartialCodec.require(sum.abs().compareTo(count.shiftLeft(63)) <= 0, "sum", sum, "|sum| <= count * 2^63");
        PartialCodec.require(sumsq.signum() >= 0 && sumsq.compareTo(count.shiftLeft(126)) <= 0, "sumsq", sumsq,
                "0 <= sumsq <= count * 2^126");
        PartialCodec.require(count.multiply(sumsq).compareTo(sum.multiply(sum)) >= 0, "sumsq", sumsq,
                "count * sumsq >= sum^2 for any data");
        return new IntegerMoments(w);
    }

    @Override
    public IntegerMoments merge(Partial other) {
        return new IntegerMoments(mergedWords(other));
    }

    /**
     * The number of elements.
     *
     * @return the count of elements the sums cover, at least 0
     */
    public long count() {
        return w[MOMENTS_COUNT];
    }

    /**
     * The variance with ddof degrees of freedom removed, rounded once; NaN when count - ddof &lt;= 0.
     *
     * @param ddof delta degrees of freedom, at least 0: 0 for the population variance, 1 for the
     *     sample variance (numpy's {@code ddof})
     * @return the variance, never negative; NaN when count - ddof &lt;= 0
     * @throws IllegalArgumentException if ddof is negative
     */
    public double variance(int ddof) {
        return varianceOf(ddof);
    }

    @Override
    public String toString() {
        return "IntegerMoments[" + count() + " elements]";
    }
}
