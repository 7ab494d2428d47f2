package dev.paralelo;

import dev.paralelo.internal.ffi.ParaleloLib;

/**
 * How floating-point sums, means, variances and dots accumulate. Both modes use the same fixed
 * order (blocks of 4096, 8 lanes, exact combine) and are reproducible bit for bit across thread
 * counts, SIMD levels and implementations; see docs/ACCURACY.md.
 */
public enum SumMode {
    /**
     * Compensated lanes (TwoSum), block partials summed exactly: the error bound of
     * docs/ACCURACY.md, one rounding for any input whose condition number is below about
     * 10<sup>11</sup>. The default.
     */
    ACCURATE(ParaleloLib.PL_ACCURATE),
    /** Plain lanes: faster when data is in cache; error comparable to numpy's pairwise sum. */
    FAST(ParaleloLib.PL_FAST);

    private final int code;

    SumMode(int code) {
        this.code = code;
    }

    /**
     * The {@code PL_*} mode code of paralelo.h.
     *
     * @return the code that paralelo.h and the wire protocol use for this mode
     */
    public int code() {
        return code;
    }

    /**
     * The summation mode with this {@code PL_*} code; IllegalArgumentException if there is none.
     *
     * @param code a {@code PL_*} mode code, as returned by {@link #code()}
     * @return the summation mode with that code
     * @throws IllegalArgumentException if no mode has that code
     */
    public static SumMode ofCode(int code) {
        for (SumMode v : values()) if (v.code == code) return v;
        throw new IllegalArgumentException("no summation mode has code " + code);
    }
}
