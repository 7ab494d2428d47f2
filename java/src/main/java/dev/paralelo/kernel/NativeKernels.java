package dev.paralelo.kernel;

import dev.paralelo.internal.ffi.LibraryLoader;
import dev.paralelo.internal.ffi.ParaleloLib;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Supplier;

/**
 * Kernels in libparalelo, through FFM.
 *
 * <p>Calls of at most {@link #CRITICAL_MAX} elements take the {@code critical} downcall: no
 * thread-state transition, heap arrays read in place, one thread. Larger calls on off-heap
 * memory take the normal downcall, which lets the GC run while OpenMP works. Larger calls on a
 * heap array (only critical calls may see the Java heap, and they must stay short): float sums
 * and means run as a series of critical calls over block-aligned chunks whose exact partials
 * are merged, which gives the same bits as one call; every other kernel runs in
 * {@link JavaKernels}, which reads the heap in place and returns the same bits too.
 */
public final class NativeKernels implements KernelBackend {
    /** Largest element count that uses a critical downcall. */
    public static final long CRITICAL_MAX = 16_384;

    /** Loads the library and checks it answers; UnsatisfiedLinkError if it cannot. */
    public NativeKernels() {
        LibraryLoader.lookup();
        int v = ParaleloLib.plVersion();
        if (v != 1) throw new UnsatisfiedLinkError("libparalelo ABI version " + v + ", expected 1");
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public String describe() {
        return "native libparalelo (" + levelName(ParaleloLib.plActiveLevel()) + " of CPU's "
                + levelName(ParaleloLib.plCpuLevel()) + ", OpenMP " + ParaleloLib.plMaxThreads()
                + " threads) from " + LibraryLoader.source();
    }

    /** Name of a SIMD level code. */
    public static String levelName(int level) {
        return switch (level) {
            case 0 -> "baseline";
            case 1 -> "avx2";
            case 2 -> "avx512";
            default -> "level " + level;
        };
    }

    /** The highest SIMD level the CPU supports (0 baseline, 1 AVX2, 2 AVX-512). */
    public static int cpuLevel() {
        return ParaleloLib.plCpuLevel();
    }

    /** The SIMD level in use. */
    public static int activeLevel() {
        return ParaleloLib.plActiveLevel();
    }

    /** Uses a lower SIMD level (results stay bit-identical); IllegalArgumentException if unsupported. */
    public static void setLevel(int level) {
        if (ParaleloLib.plSetLevel(level) != 0) {
            throw new IllegalArgumentException("SIMD level " + level + " (" + levelName(level)
                    + ") is not supported by this CPU; highest is " + levelName(cpuLevel()));
        }
    }

    private static void check(int status, Supplier<String> what) {
        if (status == 0) return;
        String call = what.get(); // built only on failure: string work costs more than a small kernel
        switch (status) {
            case -2 -> throw new ArithmeticException(call + " overflows a 64-bit integer");
            case -3 -> throw new IllegalArgumentException(call + " of an empty array is undefined");
            case -5 -> throw new IndexOutOfBoundsException(call + ": an offset is outside the array");
            default -> throw new IllegalStateException(call + " failed with status " + status
                    + " (arguments were validated in Java; this is a bug)");
        }
    }

    /** Per-thread off-heap room for out-parameters of large calls: no arena per call. */
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(64, 64));

    /** Elements per critical call when a large heap array is summed in chunks (16 blocks). */
    static final long HEAP_CHUNK = 16L * BLOCK;

    private static final JavaKernels JAVA = new JavaKernels();

    private static boolean small(long n) {
        return n <= CRITICAL_MAX;
    }

    /** Whether a large call must avoid the native path because a segment is on the Java heap. */
    private static boolean heap(long n, MemorySegment... segs) {
        if (small(n)) return false;
        for (MemorySegment s : segs) if (!s.isNative()) return true;
        return false;
    }

    private static long bytes(int dtype, long n) {
        return n * (dtype == F64 || dtype == I64 ? 8 : 4);
    }

    static String opName(int op) {
        return switch (op) {
            case SUM -> "sum";
            case MEAN -> "mean";
            case MIN -> "min";
            default -> "max";
        };
    }

    static String typeName(int dtype) {
        return switch (dtype) {
            case F64 -> "f64";
            case F32 -> "f32";
            case I64 -> "i64";
            default -> "i32";
        };
    }

    /** Adds the block partials of a heap array's float sum to acc, a chunk per critical call. */
    private static void heapSumPartial(int dtype, MemorySegment x, long n, int mode, ExactSum acc) {
        ExactSum mine = new ExactSum();
        MemorySegment words = MemorySegment.ofArray(mine.words());
        long size = bytes(dtype, 1);
        for (long off = 0; off < n; off += HEAP_CHUNK) {
            long len = Math.min(HEAP_CHUNK, n - off);
            check(ParaleloLib.plSumPartialCritical(dtype, x.asSlice(off * size, len * size), len, mode, 1, words),
                    () -> "pl_sum_partial(" + typeName(dtype) + ", heap chunk)");
        }
        acc.merge(mine);
    }

    @Override
    public double reduceDouble(int dtype, int op, MemorySegment x, long n, int mode, int threads) {
        Supplier<String> call = () -> "pl_reduce(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) {
            double[] f = new double[1];
            long[] i = new long[1];
            check(ParaleloLib.plReduceCritical(dtype, op, x, n, mode, 1, MemorySegment.ofArray(f), MemorySegment.ofArray(i)), call);
            return f[0];
        }
        if (!x.isNative()) {
            if ((dtype == F64 || dtype == F32) && (op == SUM || op == MEAN)) {
                ExactSum acc = new ExactSum();
                heapSumPartial(dtype, x, n, mode, acc);
                double s = acc.round();
                return op == SUM ? s : s / n;
            }
            return JAVA.reduceDouble(dtype, op, x, n, mode, threads);
        }
        MemorySegment sc = SCRATCH.get();
        check(ParaleloLib.plReduce(dtype, op, x, n, mode, threads, sc, sc.asSlice(8)), call);
        return sc.get(ValueLayout.JAVA_DOUBLE, 0);
    }

    @Override
    public long reduceLong(int dtype, int op, MemorySegment x, long n, int threads) {
        Supplier<String> call = () -> "pl_reduce(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) {
            double[] f = new double[1];
            long[] i = new long[1];
            check(ParaleloLib.plReduceCritical(dtype, op, x, n, ACCURATE, 1, MemorySegment.ofArray(f), MemorySegment.ofArray(i)), call);
            return i[0];
        }
        if (!x.isNative()) return JAVA.reduceLong(dtype, op, x, n, threads);
        MemorySegment sc = SCRATCH.get();
        check(ParaleloLib.plReduce(dtype, op, x, n, ACCURATE, threads, sc, sc.asSlice(8)), call);
        return sc.get(ValueLayout.JAVA_LONG, 8);
    }

    @Override
    public void sumPartial(int dtype, MemorySegment x, long n, int mode, int threads, ExactSum acc) {
        if (!small(n) && !x.isNative()) {
            heapSumPartial(dtype, x, n, mode, acc);
            return;
        }
        ExactSum mine = new ExactSum();
        if (small(n)) {
            check(ParaleloLib.plSumPartialCritical(dtype, x, n, mode, 1, MemorySegment.ofArray(mine.words())),
                    () -> "pl_sum_partial");
        } else {
            MemorySegment st = Arena.ofAuto().allocate((long) ExactSum.WORDS * 8, 8);
            check(ParaleloLib.plSumPartial(dtype, x, n, mode, threads, st), () -> "pl_sum_partial");
            MemorySegment.copy(st, ValueLayout.JAVA_LONG, 0, mine.words(), 0, ExactSum.WORDS);
        }
        acc.merge(mine);
    }

    @Override
    public double variance(int dtype, MemorySegment x, long n, int ddof, int mode, int threads) {
        Supplier<String> call = () -> "pl_variance(" + typeName(dtype) + ", n=" + n + ", ddof=" + ddof + ")";
        if (small(n)) {
            double[] f = new double[1];
            check(ParaleloLib.plVarianceCritical(dtype, x, n, ddof, mode, 1, MemorySegment.ofArray(f)), call);
            return f[0];
        }
        if (heap(n, x)) return JAVA.variance(dtype, x, n, ddof, mode, threads);
        MemorySegment sc = SCRATCH.get();
        check(ParaleloLib.plVariance(dtype, x, n, ddof, mode, threads, sc), call);
        return sc.get(ValueLayout.JAVA_DOUBLE, 0);
    }

    private static void dot(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads, double[] f, long[] i) {
        Supplier<String> call = () -> "pl_dot(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) {
            check(ParaleloLib.plDotCritical(dtype, x, y, n, mode, 1, MemorySegment.ofArray(f), MemorySegment.ofArray(i)), call);
            return;
        }
        MemorySegment sc = SCRATCH.get();
        check(ParaleloLib.plDot(dtype, x, y, n, mode, threads, sc, sc.asSlice(8)), call);
        f[0] = sc.get(ValueLayout.JAVA_DOUBLE, 0);
        i[0] = sc.get(ValueLayout.JAVA_LONG, 8);
    }

    @Override
    public double dotDouble(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads) {
        if (heap(n, x, y)) return JAVA.dotDouble(dtype, x, y, n, mode, threads);
        double[] f = new double[1];
        dot(dtype, x, y, n, mode, threads, f, new long[1]);
        return f[0];
    }

    @Override
    public long dotLong(int dtype, MemorySegment x, MemorySegment y, long n, int threads) {
        if (heap(n, x, y)) return JAVA.dotLong(dtype, x, y, n, threads);
        long[] i = new long[1];
        dot(dtype, x, y, n, ACCURATE, threads, new double[1], i);
        return i[0];
    }

    @Override
    public void binary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        Supplier<String> call = () -> "pl_binary(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) check(ParaleloLib.plBinaryCritical(dtype, op, a, b, out, n, 1), call);
        else if (heap(n, a, b, out)) JAVA.binary(dtype, op, a, b, out, n, threads);
        else check(ParaleloLib.plBinary(dtype, op, a, b, out, n, threads), call);
    }

    @Override
    public void scale(int dtype, MemorySegment x, double alphaF, long alphaI, MemorySegment out, long n, int threads) {
        Supplier<String> call = () -> "pl_scale(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) check(ParaleloLib.plScaleCritical(dtype, x, alphaF, alphaI, out, n, 1), call);
        else if (heap(n, x, out)) JAVA.scale(dtype, x, alphaF, alphaI, out, n, threads);
        else check(ParaleloLib.plScale(dtype, x, alphaF, alphaI, out, n, threads), call);
    }

    @Override
    public void axpy(int dtype, double alphaF, long alphaI, MemorySegment x, MemorySegment y, long n, int threads) {
        Supplier<String> call = () -> "pl_axpy(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) check(ParaleloLib.plAxpyCritical(dtype, alphaF, alphaI, x, y, n, 1), call);
        else if (heap(n, x, y)) JAVA.axpy(dtype, alphaF, alphaI, x, y, n, threads);
        else check(ParaleloLib.plAxpy(dtype, alphaF, alphaI, x, y, n, threads), call);
    }

    @Override
    public void fill(int dtype, MemorySegment out, double valueF, long valueI, long n, int threads) {
        Supplier<String> call = () -> "pl_fill(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) check(ParaleloLib.plFillCritical(dtype, out, valueF, valueI, n, 1), call);
        else if (heap(n, out)) JAVA.fill(dtype, out, valueF, valueI, n, threads);
        else check(ParaleloLib.plFill(dtype, out, valueF, valueI, n, threads), call);
    }

    @Override
    public void copy(int dtype, MemorySegment src, MemorySegment dst, long n, int threads) {
        if (small(n) || heap(n, src, dst)) {
            MemorySegment.copy(src, 0, dst, 0, bytes(dtype, n)); // memmove semantics
            return;
        }
        check(ParaleloLib.plCopy(dtype, src, dst, n, threads), () -> "pl_copy(" + typeName(dtype) + ", n=" + n + ")");
    }

    @Override
    public void sliceReduce(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        Supplier<String> call = () -> "pl_slice_reduce(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ", k=" + k + ")";
        if (small(n)) check(ParaleloLib.plSliceReduceCritical(dtype, op, x, n, k, out, 1), call);
        else if (heap(n, x, out)) JAVA.sliceReduce(dtype, op, x, n, k, out, threads);
        else check(ParaleloLib.plSliceReduce(dtype, op, x, n, k, out, threads), call);
    }

    @Override
    public void reduceAt(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m,
            MemorySegment out, int threads) {
        Supplier<String> call = () -> "pl_reduceat(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ", m=" + m + ")";
        long size = Math.max(n, m);
        if (small(size)) check(ParaleloLib.plReduceatCritical(dtype, op, x, n, offsets, m, out, 1), call);
        else if (heap(size, x, offsets, out)) JAVA.reduceAt(dtype, op, x, n, offsets, m, out, threads);
        else check(ParaleloLib.plReduceat(dtype, op, x, n, offsets, m, out, threads), call);
    }

    /** Reads n doubles as fast as possible (unordered sum): the bandwidth ceiling. */
    public static double probeRead(MemorySegment x, long n, int threads) {
        MemorySegment sc = SCRATCH.get();
        check(ParaleloLib.plProbeRead(x, n, threads, sc), () -> "pl_probe_read");
        return sc.get(ValueLayout.JAVA_DOUBLE, 0);
    }
}
