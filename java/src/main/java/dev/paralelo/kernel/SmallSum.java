package dev.paralelo.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The shortcut of small fast-mode float sums: {@code Kernels.sum} of an f64 or f32 array shorter
 * than {@link KernelBackend#smallFastSumBelow} calls {@link #fast} directly, past the layers
 * between it and the Vector API kernel that the call would reach anyway (the core budget, the
 * dispatch on the operation, a call into the provider that sees every implementation the JVM
 * runs, the crossover table, {@link Reductions}). Those layers cost 3 ns of a 22 ns call of 256
 * doubles in a JVM that ran nothing else, and more in the benchmark report's JVM, where the call
 * into the provider sees three implementations. The bits are the same: it is the same kernel,
 * and a sum it does not finish (NaN: a non-finite result, or two blocks' sum at DBL_MAX) goes
 * the whole way.
 */
public final class SmallSum {
    private SmallSum() {}

    /**
     * The Vector API kernels, or null without the module. A static final: the JIT compiles the
     * call on it as a direct call to that one class.
     */
    private static final RangeKernelSet SET = KernelProvider.vectorSet();

    /** The most elements {@link #fast} takes: two blocks, whose values it adds ({@link RangeKernelSet#twoBlocks}). */
    public static final int MAX = 2 * KernelBackend.BLOCK;

    /**
     * Whether these are the kernels the shortcut runs.
     *
     * @param set a kernel set
     * @return true if set is the Vector API set this class calls
     */
    static boolean runs(RangeKernelSet set) {
        return set != null && set == SET;
    }

    /**
     * The fast-mode sum of x[0, n) as the Vector API kernels compute it, or NaN when they leave
     * it to the full path (a non-finite result, two blocks' sum at DBL_MAX, or a dtype they do
     * not sum here).
     *
     * @param dtype {@link KernelBackend#F64} or {@link KernelBackend#F32}
     * @param x the elements, alive and at least n long
     * @param n the number of elements, at most {@link #MAX}
     * @return the sum, or NaN when the caller must take the full path
     */
    public static double fast(int dtype, MemorySegment x, int n) {
        return SET.fastSmall(dtype, x, n);
    }
}
