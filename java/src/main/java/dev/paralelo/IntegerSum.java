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

    /**
     * The empty sum.
     *
     * @return a sum of no terms, zero
     */
    public static IntegerSum zero() {
        return new IntegerSum(new long[WideInteger.WORDS]);
    }

    /**
     * The exact sum of the given terms.
     *
     * @param terms the longs to add; no sum of them overflows
     * @return their exact sum
     */
    public static IntegerSum of(long... terms) {
        long[] w = new long[WideInteger.WORDS];
        for (long t : terms) WideInteger.add192(w, 0, t >> 63, t >> 63, t);
        return new IntegerSum(w);
    }

    @Override
    public IntegerSum merge(Partial other) {
        IntegerSum m = new IntegerSum(mergedWords(other));
        return inRange(m, () -> PartialCodec.checkWide(m.w, 0, 200, "value"));
    }

    /**
     * The value; ArithmeticException if it does not fit in a long.
     *
     * @return the sum as a long
     * @throws ArithmeticException if the sum is outside the long range
     */
    public long longValueExact() {
        return WideInteger.toLongExact(w, 0, "integer sum");
    }

    /**
     * The value rounded once to the nearest double, ties to even.
     *
     * @return the double nearest the sum (sums beyond 2^53 in magnitude may round)
     */
    public double doubleValue() {
        return WideInteger.toDouble(w, 0);
    }

    /**
     * The value, exactly.
     *
     * @return the sum as a BigInteger, with no rounding or overflow
     */
    public BigInteger toBigInteger() {
        return WideInteger.toBigInteger(w, 0);
    }

    /**
     * The mean of count elements: {@link #doubleValue()} / count, as {@link Kernels#mean} computes it.
     *
     * @param count the number of elements summed; an empty sum over 0 elements gives NaN, as numpy
     *     does
     * @return the sum rounded to a double, divided by count
     */
    public double mean(long count) {
        return doubleValue() / count;
    }

    @Override
    public String toString() {
        return "IntegerSum[" + toBigInteger() + "]";
    }
}
