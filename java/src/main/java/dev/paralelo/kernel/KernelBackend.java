package dev.paralelo.kernel;

import dev.paralelo.internal.ffi.ParaleloLib;
import java.lang.foreign.MemorySegment;

/**
 * One implementation of every kernel, over raw segments. Element types, operations and modes
 * are the {@code PL_*} codes of {@code paralelo.h} (generated into {@link ParaleloLib}).
 *
 * <p>Callers have already checked every argument: lengths fit the segments, segments are
 * alive, codes are valid, n is non-negative and min/max inputs are not empty. Implementations
 * return the same bits for the same arguments whatever the thread count, and every
 * implementation returns the same bits as every other.
 *
 * <p>Partial states are {@code long[]} arrays with the layout of their C struct (see
 * {@link States}): {@link #partial} accumulates a block-aligned range into one. The other
 * reductions are the partial over the whole array and its finish, fused.
 *
 * <p>{@code threads} is the exact number of threads to use (at least 1).
 */
public interface KernelBackend {
    /** Element types. */
    int F64 = ParaleloLib.PL_F64, F32 = ParaleloLib.PL_F32, I64 = ParaleloLib.PL_I64, I32 = ParaleloLib.PL_I32;
    /** Reductions. */
    int SUM = ParaleloLib.PL_SUM, MEAN = ParaleloLib.PL_MEAN, MIN = ParaleloLib.PL_MIN, MAX = ParaleloLib.PL_MAX,
            VAR = ParaleloLib.PL_VAR, DOT = ParaleloLib.PL_DOT;
    /** Elementwise operations. */
    int ADD = ParaleloLib.PL_ADD, SUB = ParaleloLib.PL_SUB, MUL = ParaleloLib.PL_MUL;
    /** Summation modes. */
    int ACCURATE = ParaleloLib.PL_ACCURATE, FAST = ParaleloLib.PL_FAST;
    /** Elements per block; blocks start at multiples of it. */
    int BLOCK = ParaleloLib.PL_BLOCK;
    /** Virtual lanes per block in accurate mode. */
    int LANES = ParaleloLib.PL_LANES;
    /** Lanes of fast-mode sums and dots. */
    int FAST_LANES = ParaleloLib.PL_FAST_LANES;
    /** Calls of at most this many elements run on the calling thread. */
    int PARALLEL_MIN = ParaleloLib.PL_PARALLEL_MIN;
    /** The team-size rule's cost per element on one core, in ps: a read (fast sums, min/max, elementwise), TwoSum (exact sums). */
    int COST_READ = ParaleloLib.PL_COST_READ, COST_ACCURATE = ParaleloLib.PL_COST_ACCURATE;

    /**
     * The threads a call of n elements that costs {@code cost} ps per element on one core runs
     * on, at most {@code threads}: {@code pl_team_size} for the C kernels, the pure-Java rule
     * for the Java ones. The caller takes that many core-budget permits.
     */
    int teamSize(int threads, long n, int cost);

    /**
     * The length below which a fast-mode sum of dtype (F64 or F32) may run on
     * {@link SmallSum#fast} and give this implementation's bits; 0 when it may not.
     *
     * @param dtype an element type code
     * @return the exclusive bound on n, at most {@link SmallSum#MAX} + 1; 0 for none
     */
    default long smallFastSumBelow(int dtype) {
        return 0;
    }

    /** Short name: {@code native} or {@code java}. */
    String name();

    /** One line: what runs (library, SIMD level, threads). */
    String describe();

    /** sum or mean of a float array, min or max of a float array, mean of an integer array. */
    double reduceDouble(int dtype, int op, MemorySegment x, long n, int mode, int threads);

    /** Exact sum, min or max of an integer array; ArithmeticException if a sum leaves a long. */
    long reduceLong(int dtype, int op, MemorySegment x, long n, int threads);

    /** Variance: floats around the sample's centre (twice when it misleads), integers exactly; NaN when n - ddof &lt;= 0. */
    double variance(int dtype, MemorySegment x, long n, int ddof, int mode, int threads);

    /** The centre of the float variance ({@code pl_variance_center}): the accurate mean of its sample. */
    double varianceCenter(int dtype, MemorySegment x, long n);

    double dotDouble(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads);

    /** Exact integer dot; ArithmeticException if the result does not fit in a long. */
    long dotLong(int dtype, MemorySegment x, MemorySegment y, long n, int threads);

    /**
     * Accumulates x[lo, hi) of x[0, n) into state, made by {@link States#init} for (dtype, op)
     * with op SUM, MEAN, MIN, MAX or VAR; for DOT, y is the second array (null otherwise). Each
     * end of the range is a multiple of {@link #BLOCK} or n.
     */
    void partial(int dtype, int op, MemorySegment x, MemorySegment y, long n, long lo, long hi, int mode, int threads,
            long[] state);

    void binary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n,
            int threads);

    void scale(int dtype, MemorySegment x, double alphaF, long alphaI, MemorySegment out, long n,
            int threads);

    void axpy(int dtype, double alphaF, long alphaI, MemorySegment x, MemorySegment y, long n,
            int threads);

    void fill(int dtype, MemorySegment out, double valueF, long valueI, long n, int threads);

    void copy(int dtype, MemorySegment src, MemorySegment dst, long n, int threads);

    /** Consecutive slices of k; see {@code pl_slice_reduce} for the output element types. */
    void sliceReduce(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out,
            int threads);

    /** numpy add.reduceat semantics; offsets (long elements) are already range-checked. */
    void reduceAt(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m,
            MemorySegment out, int threads);
}
