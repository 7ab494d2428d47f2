package dev.paralelo;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_INTEGER;

import dev.paralelo.kernel.WideInteger;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An exact integer sum in 256 bits: the partial state of integer sums, means and dots
 * ({@code pl_wide}). 256 bits hold any sum of up to 2<sup>62</sup> products of two
 * {@code long}s, so no partial overflows; only a finish that needs a {@code long} can.
 *
 * <p>Immutable and thread-safe.
 */
public final class IntegerSum implements Partial {
    private final long[] w;

    IntegerSum(long[] words) {
        this.w = words;
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
        IntegerSum o = PartialCodec.sameKind(IntegerSum.class, other);
        long[] r = w.clone();
        WideInteger.add(r, 0, o.w, 0);
        return new IntegerSum(r);
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
    public int kind() {
        return PL_STATE_INTEGER;
    }

    @Override
    public int encodedLength() {
        return PartialCodec.HEADER + 8 * w.length;
    }

    @Override
    public void writeTo(ByteBuffer out) {
        PartialCodec.write(out, PL_STATE_INTEGER, w);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IntegerSum e && Arrays.equals(w, e.w);
    }

    @Override
    public int hashCode() {
        return PartialCodec.hash(w);
    }

    @Override
    public String toString() {
        return "IntegerSum[" + toBigInteger() + "]";
    }
}
