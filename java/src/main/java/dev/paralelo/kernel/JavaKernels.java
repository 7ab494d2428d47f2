package dev.paralelo.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The pure-Java kernels: the same algorithms as the C library, file for file ({@link RangeKernels}
 * mirrors impl.c, {@link Reductions} reduce.c, {@link Slices} slices.c, {@link Elementwise}
 * elementwise.c, {@link States} states.c), so every result has the native library's bits.
 *
 * <p>Threads: a call with {@code threads > 1} splits work between the caller and pooled daemon
 * threads of one {@link java.util.concurrent.ForkJoinPool}; a segment confined to the calling
 * thread is processed on that thread alone.
 */
public final class JavaKernels implements KernelBackend {
    private final RangeKernelSet set;

    /** The scalar pure-Java kernels. */
    public JavaKernels() {
        this(RangeKernelSet.SCALAR);
    }

    JavaKernels(RangeKernelSet set) {
        this.set = set;
    }

    /** {@code scalar} or {@code vector}. */
    @Override
    public int teamSize(int threads, long n, int cost) {
        return Reductions.javaTeamSize(threads, n);
    }

    @Override
    public String name() {
        return set.name();
    }

    /** Up to two blocks: {@link Reductions}' float sum runs these small sums on the same kernel. */
    @Override
    public long smallFastSumBelow(int dtype) {
        return (dtype == F64 || dtype == F32) && SmallSum.runs(set) ? SmallSum.MAX + 1L : 0;
    }

    /** The range kernels these run on. */
    RangeKernelSet set() {
        return set;
    }

    @Override
    public String describe() {
        return set == RangeKernelSet.SCALAR ? "pure-Java kernels (scalar)" : "pure-Java kernels on the Vector API (" + set + ")";
    }

    @Override
    public double reduceDouble(int dtype, int op, MemorySegment x, long n, int mode, int threads) {
        return Reductions.reduceDouble(set, dtype, op, x, n, mode, threads);
    }

    @Override
    public long reduceLong(int dtype, int op, MemorySegment x, long n, int threads) {
        return Reductions.reduceLong(set, dtype, op, x, n, threads);
    }

    @Override
    public double variance(int dtype, MemorySegment x, long n, int ddof, int mode, int threads) {
        return Reductions.variance(set, dtype, x, n, ddof, mode, threads);
    }

    @Override
    public double varianceCenter(int dtype, MemorySegment x, long n) {
        return Reductions.varianceCenter(set, dtype, x, n);
    }

    @Override
    public double dotDouble(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads) {
        return Reductions.dotDouble(set, dtype, x, y, n, mode, threads);
    }

    @Override
    public long dotLong(int dtype, MemorySegment x, MemorySegment y, long n, int threads) {
        return Reductions.dotLong(set, dtype, x, y, n, threads);
    }

    @Override
    public void partial(int dtype, int op, MemorySegment x, MemorySegment y, long n, long lo, long hi, int mode,
            int threads, long[] state) {
        Reductions.partial(set, dtype, op, x, y, n, lo, hi, mode, threads, state);
    }

    @Override
    public void binary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        Elementwise.binary(set, dtype, op, a, b, out, n, threads);
    }

    @Override
    public void scale(int dtype, MemorySegment x, double alphaF, long alphaI, MemorySegment out, long n, int threads) {
        Elementwise.scale(set, dtype, x, alphaF, alphaI, out, n, threads);
    }

    @Override
    public void axpy(int dtype, double alphaF, long alphaI, MemorySegment x, MemorySegment y, long n, int threads) {
        Elementwise.axpy(set, dtype, alphaF, alphaI, x, y, n, threads);
    }

    @Override
    public void fill(int dtype, MemorySegment out, double valueF, long valueI, long n, int threads) {
        Elementwise.fill(set, dtype, out, valueF, valueI, n, threads);
    }

    @Override
    public void copy(int dtype, MemorySegment src, MemorySegment dst, long n, int threads) {
        Elementwise.copy(dtype, src, dst, n);
    }

    @Override
    public void sliceReduce(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        Slices.sliceReduce(set, dtype, op, x, n, k, out, threads);
    }

    @Override
    public void reduceAt(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m,
            MemorySegment out, int threads) {
        Slices.reduceAt(set, dtype, op, x, n, offsets, m, out, threads);
    }
}
