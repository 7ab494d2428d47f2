package dev.paralelo.kernel;

import java.math.BigInteger;

/** A 128-bit two's complement accumulator for exact integer sums and dots. */
final class Int128 {
    long hi, lo;
    /** Set when an addition left the 128-bit range. */
    boolean overflow;

    void add(long v) {
        add(v >> 63, v);
    }

    void add(long h, long l) {
        long nl = lo + l;
        long carry = Long.compareUnsigned(nl, lo) < 0 ? 1 : 0;
        long nh = hi + h + carry;
        // Full-width overflow: both operands have one sign and the result the other.
        if ((hi ^ h) >= 0 && (nh ^ hi) < 0) overflow = true;
        hi = nh;
        lo = nl;
    }

    void addProduct(long a, long b) {
        add(Math.multiplyHigh(a, b), a * b);
    }

    void add(Int128 o) {
        add(o.hi, o.lo);
        overflow |= o.overflow;
    }

    boolean fitsLong() {
        return !overflow && hi == (lo >> 63);
    }

    /** The value, or ArithmeticException naming what overflowed. */
    long toLongExact(String what) {
        if (!fitsLong()) throw new ArithmeticException(what + " overflows a 64-bit integer");
        return lo;
    }

    /** Rounded to nearest, ties to even (as C's conversion of __int128). */
    double toDouble() {
        if (hi == (lo >> 63)) return (double) lo;
        BigInteger v = BigInteger.valueOf(hi).shiftLeft(64)
                .add(new BigInteger(Long.toUnsignedString(lo)));
        return v.doubleValue();
    }
}
