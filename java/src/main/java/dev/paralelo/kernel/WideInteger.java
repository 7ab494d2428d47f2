package dev.paralelo.kernel;

import java.math.BigInteger;

/**
 * 256-bit integers, twin of {@code native/src/wide.c}: the state {@code pl_wide} as 4
 * {@code long} words (two's complement, least significant first) inside a state array.
 *
 * <p>256 bits hold any sum of up to 2<sup>62</sup> products of two {@code long}s exactly, so
 * integer sums, dots and variance moments never overflow before their finish.
 */
public final class WideInteger {
    private WideInteger() {}

    /** Words of the state ({@code PL_WIDE_WORDS}). */
    public static final int WORDS = 4;

    /** acc += v ({@code pl_wide_add}). */
    public static void add(long[] acc, int at, long[] v, int vat) {
        long carry = 0;
        for (int k = 0; k < WORDS; k++) {
            long a = acc[at + k], s = a + v[vat + k];
            long c1 = Long.compareUnsigned(s, a) < 0 ? 1 : 0;
            long r = s + carry;
            carry = c1 | (Long.compareUnsigned(r, s) < 0 ? 1 : 0);
            acc[at + k] = r;
        }
    }

    /** acc += the signed 192-bit value (top : hi : lo) ({@code pl_wide_add192}). */
    public static void add192(long[] acc, int at, long top, long hi, long lo) {
        long[] v = {lo, hi, top, top >> 63};
        add(acc, at, v, 0);
    }

    /** The value, exactly. */
    public static BigInteger toBigInteger(long[] w, int at) {
        BigInteger v = BigInteger.ZERO;
        for (int k = WORDS - 1; k >= 0; k--) {
            v = v.shiftLeft(64).or(new BigInteger(Long.toUnsignedString(w[at + k])));
        }
        return v.testBit(64 * WORDS - 1) ? v.subtract(BigInteger.ONE.shiftLeft(64 * WORDS)) : v;
    }

    /** Whether the value fits a long ({@code pl_wide_to_i64} returns PL_OK). */
    public static boolean fitsLong(long[] w, int at) {
        long ext = w[at] >> 63;
        for (int k = 1; k < WORDS; k++) if (w[at + k] != ext) return false;
        return true;
    }

    /** The value as a long; ArithmeticException naming {@code what} if it does not fit. */
    public static long toLongExact(long[] w, int at, String what) {
        if (!fitsLong(w, at)) throw new ArithmeticException(what + " overflows a 64-bit integer");
        return w[at];
    }

    /** Rounded once, to nearest with ties to even ({@code pl_wide_to_f64}). */
    public static double toDouble(long[] w, int at) {
        if (fitsLong(w, at)) return (double) w[at];
        return toBigInteger(w, at).doubleValue();
    }

    /**
     * The exact integer variance {@code (n sumsq - sum^2) / (n (n - ddof))} rounded once
     * ({@code pl_moments_variance}): the quotient is formed with at least 55 significant bits,
     * a non-zero remainder is folded into its lowest bit, and that integer is rounded to a
     * double (a correct rounding, like the C long division's).
     */
    public static double momentsVariance(long n, long[] st, int sumAt, int sumsqAt, int ddof) {
        if (n < 0 || n > States.MAX_COUNT) throw new IllegalArgumentException("integer moments of " + n + " elements");
        if (n - ddof <= 0) return Double.NaN;
        BigInteger sum = toBigInteger(st, sumAt), sumsq = toBigInteger(st, sumsqAt);
        if (sum.abs().bitLength() > 127 || sumsq.signum() < 0 || sumsq.bitLength() > 190) {
            throw new IllegalArgumentException("integer moments beyond what 2^62 int64 terms can produce");
        }
        BigInteger num = sumsq.multiply(BigInteger.valueOf(n)).subtract(sum.multiply(sum));
        if (num.signum() < 0) throw new IllegalArgumentException("integer moments with n*sumsq < sum^2");
        if (num.signum() == 0) return 0.0;
        BigInteger den = BigInteger.valueOf(n).multiply(BigInteger.valueOf(n - ddof));
        int shift = Math.max(0, 55 + den.bitLength() - num.bitLength());
        BigInteger[] qr = num.shiftLeft(shift).divideAndRemainder(den);
        BigInteger q = qr[1].signum() != 0 ? qr[0].setBit(0) : qr[0];
        return Math.scalb(q.doubleValue(), -shift);
    }
}
