package dev.paralelo.kernel;

import static dev.paralelo.kernel.KernelBackend.F32;
import static dev.paralelo.kernel.KernelBackend.F64;
import static dev.paralelo.kernel.KernelBackend.I64;
import static dev.paralelo.kernel.KernelBackend.MEAN;
import static dev.paralelo.kernel.KernelBackend.SUM;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * Slice reductions, twin of {@code native/src/slices.c}. Each slice is reduced exactly as a
 * whole array of its own is (blocks counted from the slice start), by one thread, so a slice's
 * bits never depend on how slices were shared out, nor differ from the whole-array kernel's.
 */
final class Slices {
    private Slices() {}

    /** op over x[a, b), b > a, written to out[j] in the output type of (dtype, op) ({@code reduce_slice}). */
    private static void reduceSlice(RangeKernelSet set, int dtype, int op, MemorySegment x, long a, long b, MemorySegment out, long j) {
        long size = dtype == F64 || dtype == I64 ? 8 : 4;
        MemorySegment start = x.asSlice(a * size, (b - a) * size);
        long n = b - a;
        boolean fl = dtype == F64 || dtype == F32;
        if (op == MEAN || (op == SUM && fl)) {
            out.setAtIndex(JAVA_DOUBLE_UNALIGNED, j, Reductions.reduceDouble(set, dtype, op, start, n, KernelBackend.ACCURATE, 1));
        } else if (op == SUM || dtype == I64) {
            out.setAtIndex(JAVA_LONG_UNALIGNED, j, Reductions.reduceLong(set, dtype, op, start, n, 1));
        } else if (!fl) {
            out.setAtIndex(JAVA_INT_UNALIGNED, j, (int) Reductions.reduceLong(set, dtype, op, start, n, 1));
        } else if (dtype == F64) {
            out.setAtIndex(JAVA_DOUBLE_UNALIGNED, j, Reductions.reduceDouble(set, dtype, op, start, n, KernelBackend.ACCURATE, 1));
        } else {
            out.setAtIndex(JAVA_FLOAT_UNALIGNED, j, (float) Reductions.reduceDouble(set, dtype, op, start, n, KernelBackend.ACCURATE, 1));
        }
    }

    /** Consecutive slices of k elements ({@code pl_slice_reduce}). */
    static void sliceReduce(RangeKernelSet set, int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        long m = n / k + (n % k != 0 ? 1 : 0);
        Elementwise.forChunks(m, Reductions.javaTeamSize(Parallel.shareable(threads, x, out), n), (lo, hi) -> {
            for (long j = lo; j < hi; j++) reduceSlice(set, dtype, op, x, j * k, Math.min(n, j * k + k), out, j);
        });
    }

    /** numpy's reduceat over checked offsets ({@code pl_reduceat}). */
    static void reduceAt(RangeKernelSet set, int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m, MemorySegment out,
            int threads) {
        Elementwise.forChunks(m, Reductions.javaTeamSize(Parallel.shareable(threads, x, offsets, out), n), (lo, hi) -> {
            for (long j = lo; j < hi; j++) {
                long a = offsets.getAtIndex(JAVA_LONG_UNALIGNED, j);
                long b = j + 1 < m ? offsets.getAtIndex(JAVA_LONG_UNALIGNED, j + 1) : n;
                if (a < 0 || a >= n || b < 0 || b > n) { // checked before the call; re-read here, so checked again
                    throw new IndexOutOfBoundsException("reduceAt: offsets[" + j + "] or the next one is outside [0, "
                            + n + "): the offsets changed during the call");
                }
                reduceSlice(set, dtype, op, x, a, b <= a ? a + 1 : b, out, j); // numpy: a non-increasing pair yields x[a]
            }
        });
    }
}
