package dev.paralelo.kernel;

import dev.paralelo.internal.ffi.LibraryLoader;
import dev.paralelo.internal.ffi.ParaleloLib;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Kernels in libparalelo, through FFM.
 *
 * <p>Calls of at most {@link #CRITICAL_MAX} elements take the {@code critical} downcall: no
 * thread-state transition, heap arrays read in place, one thread. Larger calls take the normal
 * downcall, which lets the GC run while OpenMP works; a heap segment given to such a call is
 * first copied off-heap (and copied back if it is written), because only critical calls may
 * see the Java heap.
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

    private static void check(int status, java.util.function.Supplier<String> what) {
        if (status == 0) return;
        String call = what.get(); // built only on failure: string work costs more than a small kernel
        switch (status) {
            case 0 -> { }
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

    private static boolean small(long n) {
        return n <= CRITICAL_MAX;
    }

    /** seg itself if off-heap, else an off-heap copy of its first bytes in arena. */
    private static MemorySegment offHeap(Arena arena, MemorySegment seg, long bytes) {
        if (seg.isNative()) return seg;
        MemorySegment copy = arena.allocate(Math.max(1, bytes), 64);
        MemorySegment.copy(seg, 0, copy, 0, bytes);
        return copy;
    }

    private static void copyBack(MemorySegment tmp, MemorySegment dst, long bytes) {
        if (tmp != dst) MemorySegment.copy(tmp, 0, dst, 0, bytes);
    }

    private static long bytes(int dtype, long n) {
        return n * (dtype == F64 || dtype == I64 ? 8 : 4);
    }

    private record Out(double f, long i) {}

    private static Out reduce(int dtype, int op, MemorySegment x, long n, int mode, int threads) {
        java.util.function.Supplier<String> call = () -> "pl_reduce(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) {
            double[] f = new double[1];
            long[] i = new long[1];
            check(ParaleloLib.plReduceCritical(dtype, op, x, n, mode, 1, MemorySegment.ofArray(f),
                    MemorySegment.ofArray(i)), call);
            return new Out(f[0], i[0]);
        }
        if (x.isNative()) {
            MemorySegment sc = SCRATCH.get();
            check(ParaleloLib.plReduce(dtype, op, x, n, mode, threads, sc, sc.asSlice(8)), call);
            return new Out(sc.get(ValueLayout.JAVA_DOUBLE, 0), sc.get(ValueLayout.JAVA_LONG, 8));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.JAVA_DOUBLE), i = a.allocate(ValueLayout.JAVA_LONG);
            check(ParaleloLib.plReduce(dtype, op, offHeap(a, x, bytes(dtype, n)), n, mode, threads, f, i), call);
            return new Out(f.get(ValueLayout.JAVA_DOUBLE, 0), i.get(ValueLayout.JAVA_LONG, 0));
        }
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

    @Override
    public double reduceDouble(int dtype, int op, MemorySegment x, long n, int mode, int threads) {
        return reduce(dtype, op, x, n, mode, threads).f();
    }

    @Override
    public long reduceLong(int dtype, int op, MemorySegment x, long n, int threads) {
        return reduce(dtype, op, x, n, ACCURATE, threads).i();
    }

    @Override
    public void sumPartial(int dtype, MemorySegment x, long n, int mode, int threads, ExactSum acc) {
        ExactSum mine = new ExactSum();
        if (small(n)) {
            check(ParaleloLib.plSumPartialCritical(dtype, x, n, mode, 1, MemorySegment.ofArray(mine.words())),
                    () -> "pl_sum_partial");
        } else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = a.allocate((long) ExactSum.WORDS * 8, 8);
                check(ParaleloLib.plSumPartial(dtype, offHeap(a, x, bytes(dtype, n)), n, mode, threads, st),
                        () -> "pl_sum_partial");
                MemorySegment.copy(st, ValueLayout.JAVA_LONG, 0, mine.words(), 0, ExactSum.WORDS);
            }
        }
        acc.merge(mine);
    }

    @Override
    public double variance(int dtype, MemorySegment x, long n, int ddof, int mode, int threads) {
        java.util.function.Supplier<String> call = () -> "pl_variance(" + typeName(dtype) + ", n=" + n + ", ddof=" + ddof + ")";
        if (small(n)) {
            double[] f = new double[1];
            check(ParaleloLib.plVarianceCritical(dtype, x, n, ddof, mode, 1, MemorySegment.ofArray(f)), call);
            return f[0];
        }
        if (x.isNative()) {
            MemorySegment sc = SCRATCH.get();
            check(ParaleloLib.plVariance(dtype, x, n, ddof, mode, threads, sc), call);
            return sc.get(ValueLayout.JAVA_DOUBLE, 0);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.JAVA_DOUBLE);
            check(ParaleloLib.plVariance(dtype, offHeap(a, x, bytes(dtype, n)), n, ddof, mode, threads, f), call);
            return f.get(ValueLayout.JAVA_DOUBLE, 0);
        }
    }

    private static Out dot(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads) {
        java.util.function.Supplier<String> call = () -> "pl_dot(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) {
            double[] f = new double[1];
            long[] i = new long[1];
            check(ParaleloLib.plDotCritical(dtype, x, y, n, mode, 1, MemorySegment.ofArray(f),
                    MemorySegment.ofArray(i)), call);
            return new Out(f[0], i[0]);
        }
        if (x.isNative() && y.isNative()) {
            MemorySegment sc = SCRATCH.get();
            check(ParaleloLib.plDot(dtype, x, y, n, mode, threads, sc, sc.asSlice(8)), call);
            return new Out(sc.get(ValueLayout.JAVA_DOUBLE, 0), sc.get(ValueLayout.JAVA_LONG, 8));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.JAVA_DOUBLE), i = a.allocate(ValueLayout.JAVA_LONG);
            long b = bytes(dtype, n);
            check(ParaleloLib.plDot(dtype, offHeap(a, x, b), offHeap(a, y, b), n, mode, threads, f, i), call);
            return new Out(f.get(ValueLayout.JAVA_DOUBLE, 0), i.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Override
    public double dotDouble(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads) {
        return dot(dtype, x, y, n, mode, threads).f();
    }

    @Override
    public long dotLong(int dtype, MemorySegment x, MemorySegment y, long n, int threads) {
        return dot(dtype, x, y, n, ACCURATE, threads).i();
    }

    @Override
    public void binary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        java.util.function.Supplier<String> call = () -> "pl_binary(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) {
            check(ParaleloLib.plBinaryCritical(dtype, op, a, b, out, n, 1), call);
            return;
        }
        if (a.isNative() && b.isNative() && out.isNative()) {
            check(ParaleloLib.plBinary(dtype, op, a, b, out, n, threads), call);
            return;
        }
        try (Arena ar = Arena.ofConfined()) {
            long by = bytes(dtype, n);
            MemorySegment o = offHeap(ar, out, by);
            check(ParaleloLib.plBinary(dtype, op, offHeap(ar, a, by), offHeap(ar, b, by), o, n, threads), call);
            copyBack(o, out, by);
        }
    }

    @Override
    public void scale(int dtype, MemorySegment x, double alphaF, long alphaI, MemorySegment out, long n, int threads) {
        java.util.function.Supplier<String> call = () -> "pl_scale(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) {
            check(ParaleloLib.plScaleCritical(dtype, x, alphaF, alphaI, out, n, 1), call);
            return;
        }
        try (Arena ar = Arena.ofConfined()) {
            long by = bytes(dtype, n);
            MemorySegment o = offHeap(ar, out, by);
            check(ParaleloLib.plScale(dtype, offHeap(ar, x, by), alphaF, alphaI, o, n, threads), call);
            copyBack(o, out, by);
        }
    }

    @Override
    public void axpy(int dtype, double alphaF, long alphaI, MemorySegment x, MemorySegment y, long n, int threads) {
        java.util.function.Supplier<String> call = () -> "pl_axpy(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n)) {
            check(ParaleloLib.plAxpyCritical(dtype, alphaF, alphaI, x, y, n, 1), call);
            return;
        }
        try (Arena ar = Arena.ofConfined()) {
            long by = bytes(dtype, n);
            MemorySegment o = offHeap(ar, y, by);
            check(ParaleloLib.plAxpy(dtype, alphaF, alphaI, offHeap(ar, x, by), o, n, threads), call);
            copyBack(o, y, by);
        }
    }

    @Override
    public void fill(int dtype, MemorySegment out, double valueF, long valueI, long n, int threads) {
        java.util.function.Supplier<String> call = () -> "pl_fill(" + typeName(dtype) + ", n=" + n + ")";
        if (small(n) || !out.isNative()) {
            if (!out.isNative() && !small(n)) {
                // A heap array: filling in Java costs no more than a copy would.
                new JavaKernels().fill(dtype, out, valueF, valueI, n, 1);
                return;
            }
            check(ParaleloLib.plFillCritical(dtype, out, valueF, valueI, n, 1), call);
            return;
        }
        check(ParaleloLib.plFill(dtype, out, valueF, valueI, n, threads), call);
    }

    @Override
    public void copy(int dtype, MemorySegment src, MemorySegment dst, long n, int threads) {
        if (small(n) || !src.isNative() || !dst.isNative()) {
            MemorySegment.copy(src, 0, dst, 0, bytes(dtype, n));
            return;
        }
        check(ParaleloLib.plCopy(dtype, src, dst, n, threads), () -> "pl_copy(" + typeName(dtype) + ", n=" + n + ")");
    }

    private static long outBytes(int dtype, int op, long m) {
        boolean wide = op == SUM || op == MEAN || dtype == F64 || dtype == I64;
        return m * (wide ? 8 : 4);
    }

    @Override
    public void sliceReduce(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        java.util.function.Supplier<String> call = () -> "pl_slice_reduce(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ", k=" + k + ")";
        if (small(n)) {
            check(ParaleloLib.plSliceReduceCritical(dtype, op, x, n, k, out, 1), call);
            return;
        }
        if (x.isNative() && out.isNative()) {
            check(ParaleloLib.plSliceReduce(dtype, op, x, n, k, out, threads), call);
            return;
        }
        try (Arena ar = Arena.ofConfined()) {
            long m = n / k + (n % k != 0 ? 1 : 0), ob = outBytes(dtype, op, m);
            MemorySegment o = offHeap(ar, out, ob);
            check(ParaleloLib.plSliceReduce(dtype, op, offHeap(ar, x, bytes(dtype, n)), n, k, o, threads), call);
            copyBack(o, out, ob);
        }
    }

    @Override
    public void reduceAt(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m,
            MemorySegment out, int threads) {
        java.util.function.Supplier<String> call = () -> "pl_reduceat(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ", m=" + m + ")";
        if (small(n) && small(m)) {
            check(ParaleloLib.plReduceatCritical(dtype, op, x, n, offsets, m, out, 1), call);
            return;
        }
        if (x.isNative() && offsets.isNative() && out.isNative()) {
            check(ParaleloLib.plReduceat(dtype, op, x, n, offsets, m, out, threads), call);
            return;
        }
        try (Arena ar = Arena.ofConfined()) {
            long ob = outBytes(dtype, op, m);
            MemorySegment o = offHeap(ar, out, ob);
            check(ParaleloLib.plReduceat(dtype, op, offHeap(ar, x, bytes(dtype, n)), n,
                    offHeap(ar, offsets, m * 8), m, o, threads), call);
            copyBack(o, out, ob);
        }
    }

    /** Reads n doubles as fast as possible (unordered sum): the bandwidth ceiling. */
    public static double probeRead(MemorySegment x, long n, int threads) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.JAVA_DOUBLE);
            check(ParaleloLib.plProbeRead(x, n, threads, f), () -> "pl_probe_read");
            return f.get(ValueLayout.JAVA_DOUBLE, 0);
        }
    }
}
