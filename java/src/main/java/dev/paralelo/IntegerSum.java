package dev.paralelo;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_INTEGER;

import dev.paralelo.kernel.WideInteger;
import java.math.BigInteger;

/**
 * An exact integer sum in 256 bits: the partial state of integer sums, means and dots
 * ({@code pl_wide}). 256 bits hold any sum of up to 2<sup>62</sup> products of two
 * {@code long}s, so no partial overflows; only a finish that needs a {@code long} can.
 *
 * <p>Immutable and thread-safe.
 */
public final class IntegerSum extends StateWords implements Partial {
    IntegerSum(long[] words) {
        super(PL_STATE_INTEGER, words);
    }

    static IntegerSum decode(long[] w) {
        PartialCodec.checkWide(w, 0, 200, "value");
        return new IntegerSum(w);
    }

    /** The empty sum. */
    public static IntegerSum zero() {
        return new IntegerSum(new long[WideInteger.WORDS]);
    }

    /** The exact sum of the given terms. */
    public static IntegerSum of(long... terms) {
        long[] w = new long[WideInteger.WORDS];
        for (long t : terms) WideInteger.add192(w, 0, t >> 63, t >> 63, t);
        return new IntegerSum(w);
    }

    @Override
    public IntegerSum merge(Partial other) {
        return new IntegerSum(mergedWords(other));
    }

    /** The value; ArithmeticException if it does not fit in a long. */
    public long longValueExact() {
        return WideInteger.toLongExact(w, 0, "integer sum");
    }

    /** The value rounded once to the nearest double, ties to even. */
    public double doubleValue() {
        return WideInteger.toDouble(w, 0);
    }

    /** The value, exactly. */
    public BigInteger toBigInteger() {
        return WideInteger.toBigInteger(w, 0);
    }

    /** The mean of count elements: {@link #doubleValue()} / count, as {@link Kernels#mean} computes it. */
    public double mean(long count) {
        return doubleValue() / count;
    }

    @Override
    public String toString() {
        return "IntegerSum[" + toBigInteger() + "]";
    }
}
