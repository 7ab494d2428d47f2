package dev.paralelo;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_MOMENTS;
import static dev.paralelo.kernel.States.MOMENTS_COUNT;
import static dev.paralelo.kernel.States.MOMENTS_RESERVED;
import static dev.paralelo.kernel.States.MOMENTS_SUM;
import static dev.paralelo.kernel.States.MOMENTS_SUMSQ;

import dev.paralelo.kernel.States;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The variance of integer data in one exact phase ({@code pl_moments}): the element count and
 * the exact sums of x and x*x in 256 bits. {@link #variance(int)} is
 * {@code (n sum(x*x) - sum(x)^2) / (n (n - ddof))}, exact until one final rounding, so it is
 * right where a variance through doubles is not (2^60 + [0, 1, 2] has variance 2/3; numpy
 * gives 0).
 *
 * <p>Immutable and thread-safe.
 */
public final class IntegerMoments implements Partial {
    private final long[] w;

    IntegerMoments(long[] words) {
        this.w = words;
    }

    static IntegerMoments decode(long[] w) {
        PartialCodec.require(w[MOMENTS_COUNT] >= 0, "count", w[MOMENTS_COUNT], "a count is >= 0");
        PartialCodec.require(w[MOMENTS_RESERVED] == 0, "reserved", w[MOMENTS_RESERVED], "it is 0");
        PartialCodec.checkWide(w, MOMENTS_SUM, 127, "sum");
        PartialCodec.checkWide(w, MOMENTS_SUMSQ, 189, "sumsq");
        PartialCodec.require(w[MOMENTS_SUMSQ + 3] >= 0, "sumsq", "negative", "a sum of squares is >= 0");
        return new IntegerMoments(w);
    }

    @Override
    public IntegerMoments merge(Partial other) {
        IntegerMoments o = PartialCodec.sameKind(IntegerMoments.class, other);
        long[] r = w.clone();
        States.merge(PL_STATE_MOMENTS, r, o.w);
        return new IntegerMoments(r);
    }

    /** The number of elements. */
    public long count() {
        return w[MOMENTS_COUNT];
    }

    /** The variance with ddof degrees of freedom removed, rounded once; NaN when count - ddof &lt;= 0. */
    public double variance(int ddof) {
        if (ddof < 0) throw new IllegalArgumentException("ddof must be >= 0, got " + ddof);
        return States.variance(PL_STATE_MOMENTS, w, ddof);
    }

    @Override
    public int kind() {
        return PL_STATE_MOMENTS;
    }

    @Override
    public int encodedLength() {
        return PartialCodec.HEADER + 8 * w.length;
    }

    @Override
    public void writeTo(ByteBuffer out) {
        PartialCodec.write(out, PL_STATE_MOMENTS, w);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IntegerMoments e && Arrays.equals(w, e.w);
    }

    @Override
    public int hashCode() {
        return PartialCodec.hash(w);
    }

    @Override
    public String toString() {
        return "IntegerMoments[" + count() + " elements]";
    }
}
