package dev.paralelo.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Elementwise kernels, twin of {@code native/src/elementwise.c}: each output element depends
 * on one index only, so any split between threads gives the same result. Large calls split
 * into contiguous chunks.
 */
final class Elementwise {
    private Elementwise() {}

    /** A range [lo, hi) of a split. */
    @FunctionalInterface
    interface Range {
        void run(long lo, long hi);
    }

    /** Runs body over [0, n) on the team size of n elements, in contiguous chunks ({@code SPLIT}). */
    static void forRanges(long n, int threads, Range body) {
        forChunks(n, Reductions.javaTeamSize(threads, n), body);
    }

    /** Runs body over [0, count) on t threads (at most count), in contiguous chunks. */
    static void forChunks(long count, int t, Range body) {
        int team = (int) Math.max(1, Math.min(t, count));
        Parallel.run(team, id -> body.run(count * id / team, count * (id + 1) / team));
    }

    static void binary(RangeKernelSet k, int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        forRanges(n, Parallel.shareable(threads, a, b, out), (lo, hi) -> k.binary(dtype, op, a, b, out, lo, hi));
    }

    static void scale(RangeKernelSet k, int dtype, MemorySegment x, double alphaF, long alphaI, MemorySegment out, long n, int threads) {
        forRanges(n, Parallel.shareable(threads, x, out), (lo, hi) -> k.scale(dtype, x, alphaF, alphaI, out, lo, hi));
    }

    static void axpy(RangeKernelSet k, int dtype, double alphaF, long alphaI, MemorySegment x, MemorySegment y, long n, int threads) {
        forRanges(n, Parallel.shareable(threads, x, y), (lo, hi) -> k.axpy(dtype, alphaF, alphaI, x, y, lo, hi));
    }

    static void fill(RangeKernelSet k, int dtype, MemorySegment out, double valueF, long valueI, long n, int threads) {
        MemorySegment view = out.asSlice(0, n * size(dtype));
        forRanges(n, Parallel.shareable(threads, out), (lo, hi) -> k.fill(dtype, view, valueF, valueI, lo, hi));
    }

    /** dst[i] = src[i]; overlapping ranges are copied as if through a temporary ({@code pl_copy}). */
    static void copy(int dtype, MemorySegment src, MemorySegment dst, long n) {
        MemorySegment.copy(src, 0, dst, 0, n * size(dtype));
    }

    static long size(int dtype) {
        return dtype == KernelBackend.F64 || dtype == KernelBackend.I64 ? 8 : 4;
    }
}
