package dev.paralelo;

/**
 * How floating-point sums, means, variances and dots accumulate. Both modes use the same fixed
 * order (blocks of 4096, 8 lanes, exact combine) and are reproducible bit for bit across thread
 * counts, SIMD levels and implementations; see docs/ACCURACY.md.
 */
public enum SumMode {
    /** Compensated lanes (TwoSum): error within about one ulp of the result. The default. */
    ACCURATE,
    /** Plain lanes: faster when data is in cache; error comparable to numpy's pairwise sum. */
    FAST;

    int code() {
        return ordinal();
    }
}
