package dev.paralelo.kernel;

import java.lang.foreign.MemorySegment;

/**
 * One set of the single-threaded range kernels, the Java counterpart of the C library's
 * {@code pl_impl} table (impl.h), which impl.c fills once per SIMD level. {@link #SCALAR} is
 * {@link RangeKernels}, plain Java; {@code VectorRangeKernels} overrides the hot kernels with the
 * Panama Vector API. Every set performs the same operations in the same order per lane, so all
 * return the same bits.
 */
interface RangeKernelSet {
    /** "scalar" or "vector". */
    String name();

    default void sum(int dtype, int mode, MemorySegment x, long lo, long hi, long[] acc) {
        RangeKernels.sum(dtype, mode, x, lo, hi, acc);
    }

    default boolean sumSmall(int dtype, int mode, MemorySegment x, int n, double[] out) {
        return blockPair(dtype, mode, x, 0, n, out);
    }

    /**
     * The fast-mode sum of the floats x[0, n), n &lt;= 2 BLOCK: one block's value, which a
     * one-block sum returns as it is, or two blocks' values added ({@link #twoBlocks}); NaN when
     * that is not finite, or, for two blocks, reaches DBL_MAX (the caller then takes the
     * accumulator). No out-parameter: on the Vector API kernels the smallest calls fetch no
     * per-thread array.
     */
    default double fastSmall(int dtype, MemorySegment x, int n) {
        if (n <= KernelBackend.BLOCK) {
            double v = fastValue(dtype, x, 0, n);
            return Double.isFinite(v) ? v + 0.0 : Double.NaN;
        }
        return twoBlocks(fastValue(dtype, x, 0, KernelBackend.BLOCK), fastValue(dtype, x, KernelBackend.BLOCK, n - KernelBackend.BLOCK));
    }

    /**
     * The value of the fast-mode block x[b, b + len) of floats, len &lt;= BLOCK, as a sum adds it
     * to an accumulator; not finite when the block's is not (NaN here, as it came in a kernel
     * that overrides this).
     */
    default double fastValue(int dtype, MemorySegment x, long b, int len) {
        double[] out = RangeKernels.scratch()[3];
        return blockPair(dtype, KernelBackend.FAST, x, b, len, out) ? out[0] : Double.NaN;
    }

    /**
     * The fast sum of two blocks whose values are a and b: their exact sum rounded once, which is
     * what IEEE addition gives, a + b (docs/ACCURACY.md, step 5: the accumulator, or the partial
     * list, would return the same bits); NaN when that is not finite or reaches DBL_MAX, where
     * the caller takes the accumulator, as the partial list does.
     *
     * @param a the first block's value
     * @param b the second block's value
     * @return a + b, or NaN
     */
    static double twoBlocks(double a, double b) {
        double s = a + b;
        return Math.abs(s) < Double.MAX_VALUE ? s + 0.0 : Double.NaN;
    }

    /**
     * The partial of the float block [b, b + len) of x as {@link #sum} adds it to an
     * accumulator, hi and lo into out (fast mode: its value and 0); false when it is not finite.
     */
    default boolean blockPair(int dtype, int mode, MemorySegment x, long b, int len, double[] out) {
        return RangeKernels.blockPair(dtype, mode, x, b, len, out);
    }

    /**
     * The partials of the blocks of [lo, hi) (lo block-aligned, a few blocks) as {@link #sum}
     * computes them, hi and lo per block into pairs ({@code k_sum_pairs}); false when one is not
     * finite (the caller then takes the accumulator).
     */
    default boolean sumPairs(int dtype, int mode, MemorySegment x, long lo, long hi, double[] pairs) {
        return sumPairs(dtype, mode, x, lo, hi, pairs, 0);
    }

    /** {@link #sumPairs} block by block, from pairs[at] on. */
    default boolean sumPairs(int dtype, int mode, MemorySegment x, long lo, long hi, double[] pairs, int at) {
        double[] pair = RangeKernels.scratch()[3];
        for (long b = lo; b < hi; b += KernelBackend.BLOCK, at += 2) {
            int len = (int) Math.min(KernelBackend.BLOCK, hi - b);
            if (!blockPair(dtype, mode, x, b, len, pair)) return false;
            pairs[at] = pair[0];
            pairs[at + 1] = pair[1];
        }
        return true;
    }

    default void dot(int dtype, int mode, MemorySegment x, MemorySegment y, long lo, long hi, long[] acc) {
        RangeKernels.dot(dtype, mode, x, y, lo, hi, acc);
    }

    /**
     * The partials of the float dot's blocks of [lo, hi) (lo block-aligned, a few blocks) as
     * {@link #dot} computes them, hi and lo per block into pairs ({@code k_dot_pairs}); false when
     * a block takes its exact products (the caller then takes the accumulator).
     */
    default boolean dotPairs(int dtype, int mode, MemorySegment x, MemorySegment y, long lo, long hi, double[] pairs) {
        return RangeKernels.dotPairs(dtype, mode, x, y, lo, hi, pairs);
    }

    default void centered(int dtype, int mode, MemorySegment x, long lo, long hi, long[] st) {
        RangeKernels.centered(dtype, mode, x, lo, hi, st);
    }

    /**
     * The centred partials of the blocks of [lo, hi) (lo block-aligned, a few blocks) as
     * {@link #centered} computes them ({@code k_centered_pairs}): hi and lo of sum(d*d) per block
     * into q, of sum(d) into d; false when a block's are not finite.
     */
    default boolean centeredPairs(int dtype, int mode, MemorySegment x, long lo, long hi, double center, double[] q, double[] d) {
        return RangeKernels.centeredPairs(dtype, mode, x, lo, hi, center, q, d);
    }

    default void extremum(int dtype, MemorySegment x, long lo, long hi, long[] st) {
        RangeKernels.extremum(dtype, x, lo, hi, st);
    }

    default void integerSum(int dtype, MemorySegment x, long lo, long hi, long[] acc, int at) {
        RangeKernels.integerSum(dtype, x, lo, hi, acc, at);
    }

    default void integerDot(int dtype, MemorySegment x, MemorySegment y, long lo, long hi, long[] acc, int at) {
        RangeKernels.integerDot(dtype, x, y, lo, hi, acc, at);
    }

    default void binary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long lo, long hi) {
        RangeKernels.binary(dtype, op, a, b, out, lo, hi);
    }

    default void scale(int dtype, MemorySegment x, double alphaF, long alphaI, MemorySegment out, long lo, long hi) {
        RangeKernels.scale(dtype, x, alphaF, alphaI, out, lo, hi);
    }

    default void axpy(int dtype, double alphaF, long alphaI, MemorySegment x, MemorySegment y, long lo, long hi) {
        RangeKernels.axpy(dtype, alphaF, alphaI, x, y, lo, hi);
    }

    default void fill(int dtype, MemorySegment out, double valueF, long valueI, long lo, long hi) {
        RangeKernels.fill(dtype, out, valueF, valueI, lo, hi);
    }

    /** Plain Java, the twin of impl.c's scalar code. */
    RangeKernelSet SCALAR = () -> "scalar";
}
