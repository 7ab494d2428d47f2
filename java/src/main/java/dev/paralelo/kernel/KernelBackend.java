package dev.paralelo.kernel;

import java.lang.foreign.MemorySegment;

/**
 * One implementation of every kernel, over raw segments. Element types, operations and modes
 * are the integer codes of {@code paralelo.h} ({@link #F64}, {@link #SUM}, ...).
 *
 * <p>Callers have already checked every argument: lengths fit the segments, segments are
 * alive, codes are valid, n is non-negative and min/max inputs are not empty. Implementations
 * return the same bits for the same arguments whatever the thread count, and the native and
 * the Java implementation return the same bits as each other.
 *
 * <p>{@code threads} is the exact number of threads to use (at least 1).
 */
public interface KernelBackend {
    int F64 = 0, F32 = 1, I64 = 2, I32 = 3;
    int SUM = 0, MEAN = 1, MIN = 2, MAX = 3;
    int ADD = 0, SUB = 1, MUL = 2;
    int ACCURATE = 0, FAST = 1;
    /** Elements per block; blocks start at multiples of it. */
    int BLOCK = 4096;
    /** Virtual lanes per block in accurate mode (fast sums and dots use 32). */
    int LANES = 8;

    /** Short name: {@code native} or {@code java}. */
    String name();

    /** One line: what runs (library, SIMD level, threads). */
    String describe();

    /** sum or mean of a float array, min or max of a float array, mean of an integer array. */
    double reduceDouble(int dtype, int op, MemorySegment x, long n, int mode, int threads);

    /** Exact sum, min or max of an integer array; ArithmeticException if an i64 sum overflows. */
    long reduceLong(int dtype, int op, MemorySegment x, long n, int threads);

    /** Adds the block partials of the float sum of x[0, n) to acc. */
    void sumPartial(int dtype, MemorySegment x, long n, int mode, int threads, ExactSum acc);

    double variance(int dtype, MemorySegment x, long n, int ddof, int mode, int threads);

    double dotDouble(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads);

    /** Exact integer dot; ArithmeticException if it does not fit in a long. */
    long dotLong(int dtype, MemorySegment x, MemorySegment y, long n, int threads);

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
