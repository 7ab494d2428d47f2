package dev.paralelo.internal.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bindings for {@code native/include/paralelo.h}, written by {@code native/tools/bindgen.py}
 * in jextract's style: do not edit by hand. Each function has a holder class, loaded on
 * first use, with its descriptor and two handles: the normal one, and a {@code critical}
 * one that may take heap segments and must only run short calls (it holds off the GC).
 */
@SuppressWarnings("restricted")
public final class ParaleloLib {
    private ParaleloLib() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(true);

    private static MethodHandle handle(String name, FunctionDescriptor fd, boolean critical) {
        MemorySegment symbol = LibraryLoader.lookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libparalelo has no symbol " + name));
        return critical ? LINKER.downcallHandle(symbol, fd, CRITICAL) : LINKER.downcallHandle(symbol, fd);
    }

    private static final class pl_version$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_version", DESC, false);
    }

    private static final class pl_version$critical {
        static final MethodHandle HANDLE = handle("pl_version", pl_version$h.DESC, true);
    }

    /** {@code int pl_version(...)}. */
    public static int plVersion() {
        try {
            return (int) pl_version$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("pl_version", t);
        }
    }

    /** {@code pl_version} through a critical downcall: short calls only; heap segments allowed. */
    public static int plVersionCritical() {
        try {
            return (int) pl_version$critical.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("pl_version", t);
        }
    }

    private static final class pl_cpu_level$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_cpu_level", DESC, false);
    }

    private static final class pl_cpu_level$critical {
        static final MethodHandle HANDLE = handle("pl_cpu_level", pl_cpu_level$h.DESC, true);
    }

    /** {@code int pl_cpu_level(...)}. */
    public static int plCpuLevel() {
        try {
            return (int) pl_cpu_level$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("pl_cpu_level", t);
        }
    }

    /** {@code pl_cpu_level} through a critical downcall: short calls only; heap segments allowed. */
    public static int plCpuLevelCritical() {
        try {
            return (int) pl_cpu_level$critical.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("pl_cpu_level", t);
        }
    }

    private static final class pl_active_level$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_active_level", DESC, false);
    }

    private static final class pl_active_level$critical {
        static final MethodHandle HANDLE = handle("pl_active_level", pl_active_level$h.DESC, true);
    }

    /** {@code int pl_active_level(...)}. */
    public static int plActiveLevel() {
        try {
            return (int) pl_active_level$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("pl_active_level", t);
        }
    }

    /** {@code pl_active_level} through a critical downcall: short calls only; heap segments allowed. */
    public static int plActiveLevelCritical() {
        try {
            return (int) pl_active_level$critical.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("pl_active_level", t);
        }
    }

    private static final class pl_set_level$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_set_level", DESC, false);
    }

    private static final class pl_set_level$critical {
        static final MethodHandle HANDLE = handle("pl_set_level", pl_set_level$h.DESC, true);
    }

    /** {@code int pl_set_level(...)}. */
    public static int plSetLevel(int level) {
        try {
            return (int) pl_set_level$h.HANDLE.invokeExact(level);
        } catch (Throwable t) {
            throw new AssertionError("pl_set_level", t);
        }
    }

    /** {@code pl_set_level} through a critical downcall: short calls only; heap segments allowed. */
    public static int plSetLevelCritical(int level) {
        try {
            return (int) pl_set_level$critical.HANDLE.invokeExact(level);
        } catch (Throwable t) {
            throw new AssertionError("pl_set_level", t);
        }
    }

    private static final class pl_max_threads$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_max_threads", DESC, false);
    }

    private static final class pl_max_threads$critical {
        static final MethodHandle HANDLE = handle("pl_max_threads", pl_max_threads$h.DESC, true);
    }

    /** {@code int pl_max_threads(...)}. */
    public static int plMaxThreads() {
        try {
            return (int) pl_max_threads$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("pl_max_threads", t);
        }
    }

    /** {@code pl_max_threads} through a critical downcall: short calls only; heap segments allowed. */
    public static int plMaxThreadsCritical() {
        try {
            return (int) pl_max_threads$critical.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("pl_max_threads", t);
        }
    }

    private static final class pl_acc_init$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_acc_init", DESC, false);
    }

    private static final class pl_acc_init$critical {
        static final MethodHandle HANDLE = handle("pl_acc_init", pl_acc_init$h.DESC, true);
    }

    /** {@code int pl_acc_init(...)}. */
    public static int plAccInit(MemorySegment acc) {
        try {
            return (int) pl_acc_init$h.HANDLE.invokeExact(acc);
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_init", t);
        }
    }

    /** {@code pl_acc_init} through a critical downcall: short calls only; heap segments allowed. */
    public static int plAccInitCritical(MemorySegment acc) {
        try {
            return (int) pl_acc_init$critical.HANDLE.invokeExact(acc);
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_init", t);
        }
    }

    private static final class pl_acc_add$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_DOUBLE);
        static final MethodHandle HANDLE = handle("pl_acc_add", DESC, false);
    }

    private static final class pl_acc_add$critical {
        static final MethodHandle HANDLE = handle("pl_acc_add", pl_acc_add$h.DESC, true);
    }

    /** {@code int pl_acc_add(...)}. */
    public static int plAccAdd(MemorySegment acc, double x) {
        try {
            return (int) pl_acc_add$h.HANDLE.invokeExact(acc, x);
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_add", t);
        }
    }

    /** {@code pl_acc_add} through a critical downcall: short calls only; heap segments allowed. */
    public static int plAccAddCritical(MemorySegment acc, double x) {
        try {
            return (int) pl_acc_add$critical.HANDLE.invokeExact(acc, x);
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_add", t);
        }
    }

    private static final class pl_acc_merge$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_acc_merge", DESC, false);
    }

    private static final class pl_acc_merge$critical {
        static final MethodHandle HANDLE = handle("pl_acc_merge", pl_acc_merge$h.DESC, true);
    }

    /** {@code int pl_acc_merge(...)}. */
    public static int plAccMerge(MemorySegment dst, MemorySegment src) {
        try {
            return (int) pl_acc_merge$h.HANDLE.invokeExact(dst, src);
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_merge", t);
        }
    }

    /** {@code pl_acc_merge} through a critical downcall: short calls only; heap segments allowed. */
    public static int plAccMergeCritical(MemorySegment dst, MemorySegment src) {
        try {
            return (int) pl_acc_merge$critical.HANDLE.invokeExact(dst, src);
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_merge", t);
        }
    }

    private static final class pl_acc_round$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_acc_round", DESC, false);
    }

    private static final class pl_acc_round$critical {
        static final MethodHandle HANDLE = handle("pl_acc_round", pl_acc_round$h.DESC, true);
    }

    /** {@code int pl_acc_round(...)}. */
    public static int plAccRound(MemorySegment acc, MemorySegment out) {
        try {
            return (int) pl_acc_round$h.HANDLE.invokeExact(acc, out);
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_round", t);
        }
    }

    /** {@code pl_acc_round} through a critical downcall: short calls only; heap segments allowed. */
    public static int plAccRoundCritical(MemorySegment acc, MemorySegment out) {
        try {
            return (int) pl_acc_round$critical.HANDLE.invokeExact(acc, out);
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_round", t);
        }
    }

    private static final class pl_reduce$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_reduce", DESC, false);
    }

    private static final class pl_reduce$critical {
        static final MethodHandle HANDLE = handle("pl_reduce", pl_reduce$h.DESC, true);
    }

    /** {@code int pl_reduce(...)}. */
    public static int plReduce(int dtype, int op, MemorySegment x, long n, int mode, int threads, MemorySegment out_f, MemorySegment out_i) {
        try {
            return (int) pl_reduce$h.HANDLE.invokeExact(dtype, op, x, n, mode, threads, out_f, out_i);
        } catch (Throwable t) {
            throw new AssertionError("pl_reduce", t);
        }
    }

    /** {@code pl_reduce} through a critical downcall: short calls only; heap segments allowed. */
    public static int plReduceCritical(int dtype, int op, MemorySegment x, long n, int mode, int threads, MemorySegment out_f, MemorySegment out_i) {
        try {
            return (int) pl_reduce$critical.HANDLE.invokeExact(dtype, op, x, n, mode, threads, out_f, out_i);
        } catch (Throwable t) {
            throw new AssertionError("pl_reduce", t);
        }
    }

    private static final class pl_sum_partial$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_sum_partial", DESC, false);
    }

    private static final class pl_sum_partial$critical {
        static final MethodHandle HANDLE = handle("pl_sum_partial", pl_sum_partial$h.DESC, true);
    }

    /** {@code int pl_sum_partial(...)}. */
    public static int plSumPartial(int dtype, MemorySegment x, long n, int mode, int threads, MemorySegment acc) {
        try {
            return (int) pl_sum_partial$h.HANDLE.invokeExact(dtype, x, n, mode, threads, acc);
        } catch (Throwable t) {
            throw new AssertionError("pl_sum_partial", t);
        }
    }

    /** {@code pl_sum_partial} through a critical downcall: short calls only; heap segments allowed. */
    public static int plSumPartialCritical(int dtype, MemorySegment x, long n, int mode, int threads, MemorySegment acc) {
        try {
            return (int) pl_sum_partial$critical.HANDLE.invokeExact(dtype, x, n, mode, threads, acc);
        } catch (Throwable t) {
            throw new AssertionError("pl_sum_partial", t);
        }
    }

    private static final class pl_variance$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_variance", DESC, false);
    }

    private static final class pl_variance$critical {
        static final MethodHandle HANDLE = handle("pl_variance", pl_variance$h.DESC, true);
    }

    /** {@code int pl_variance(...)}. */
    public static int plVariance(int dtype, MemorySegment x, long n, int ddof, int mode, int threads, MemorySegment out) {
        try {
            return (int) pl_variance$h.HANDLE.invokeExact(dtype, x, n, ddof, mode, threads, out);
        } catch (Throwable t) {
            throw new AssertionError("pl_variance", t);
        }
    }

    /** {@code pl_variance} through a critical downcall: short calls only; heap segments allowed. */
    public static int plVarianceCritical(int dtype, MemorySegment x, long n, int ddof, int mode, int threads, MemorySegment out) {
        try {
            return (int) pl_variance$critical.HANDLE.invokeExact(dtype, x, n, ddof, mode, threads, out);
        } catch (Throwable t) {
            throw new AssertionError("pl_variance", t);
        }
    }

    private static final class pl_dot$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_dot", DESC, false);
    }

    private static final class pl_dot$critical {
        static final MethodHandle HANDLE = handle("pl_dot", pl_dot$h.DESC, true);
    }

    /** {@code int pl_dot(...)}. */
    public static int plDot(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads, MemorySegment out_f, MemorySegment out_i) {
        try {
            return (int) pl_dot$h.HANDLE.invokeExact(dtype, x, y, n, mode, threads, out_f, out_i);
        } catch (Throwable t) {
            throw new AssertionError("pl_dot", t);
        }
    }

    /** {@code pl_dot} through a critical downcall: short calls only; heap segments allowed. */
    public static int plDotCritical(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads, MemorySegment out_f, MemorySegment out_i) {
        try {
            return (int) pl_dot$critical.HANDLE.invokeExact(dtype, x, y, n, mode, threads, out_f, out_i);
        } catch (Throwable t) {
            throw new AssertionError("pl_dot", t);
        }
    }

    private static final class pl_binary$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_binary", DESC, false);
    }

    private static final class pl_binary$critical {
        static final MethodHandle HANDLE = handle("pl_binary", pl_binary$h.DESC, true);
    }

    /** {@code int pl_binary(...)}. */
    public static int plBinary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        try {
            return (int) pl_binary$h.HANDLE.invokeExact(dtype, op, a, b, out, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_binary", t);
        }
    }

    /** {@code pl_binary} through a critical downcall: short calls only; heap segments allowed. */
    public static int plBinaryCritical(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        try {
            return (int) pl_binary$critical.HANDLE.invokeExact(dtype, op, a, b, out, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_binary", t);
        }
    }

    private static final class pl_scale$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_DOUBLE, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_scale", DESC, false);
    }

    private static final class pl_scale$critical {
        static final MethodHandle HANDLE = handle("pl_scale", pl_scale$h.DESC, true);
    }

    /** {@code int pl_scale(...)}. */
    public static int plScale(int dtype, MemorySegment x, double alpha_f, long alpha_i, MemorySegment out, long n, int threads) {
        try {
            return (int) pl_scale$h.HANDLE.invokeExact(dtype, x, alpha_f, alpha_i, out, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_scale", t);
        }
    }

    /** {@code pl_scale} through a critical downcall: short calls only; heap segments allowed. */
    public static int plScaleCritical(int dtype, MemorySegment x, double alpha_f, long alpha_i, MemorySegment out, long n, int threads) {
        try {
            return (int) pl_scale$critical.HANDLE.invokeExact(dtype, x, alpha_f, alpha_i, out, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_scale", t);
        }
    }

    private static final class pl_axpy$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_DOUBLE, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_axpy", DESC, false);
    }

    private static final class pl_axpy$critical {
        static final MethodHandle HANDLE = handle("pl_axpy", pl_axpy$h.DESC, true);
    }

    /** {@code int pl_axpy(...)}. */
    public static int plAxpy(int dtype, double alpha_f, long alpha_i, MemorySegment x, MemorySegment y, long n, int threads) {
        try {
            return (int) pl_axpy$h.HANDLE.invokeExact(dtype, alpha_f, alpha_i, x, y, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_axpy", t);
        }
    }

    /** {@code pl_axpy} through a critical downcall: short calls only; heap segments allowed. */
    public static int plAxpyCritical(int dtype, double alpha_f, long alpha_i, MemorySegment x, MemorySegment y, long n, int threads) {
        try {
            return (int) pl_axpy$critical.HANDLE.invokeExact(dtype, alpha_f, alpha_i, x, y, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_axpy", t);
        }
    }

    private static final class pl_fill$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_DOUBLE, JAVA_LONG, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_fill", DESC, false);
    }

    private static final class pl_fill$critical {
        static final MethodHandle HANDLE = handle("pl_fill", pl_fill$h.DESC, true);
    }

    /** {@code int pl_fill(...)}. */
    public static int plFill(int dtype, MemorySegment out, double value_f, long value_i, long n, int threads) {
        try {
            return (int) pl_fill$h.HANDLE.invokeExact(dtype, out, value_f, value_i, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_fill", t);
        }
    }

    /** {@code pl_fill} through a critical downcall: short calls only; heap segments allowed. */
    public static int plFillCritical(int dtype, MemorySegment out, double value_f, long value_i, long n, int threads) {
        try {
            return (int) pl_fill$critical.HANDLE.invokeExact(dtype, out, value_f, value_i, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_fill", t);
        }
    }

    private static final class pl_copy$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_copy", DESC, false);
    }

    private static final class pl_copy$critical {
        static final MethodHandle HANDLE = handle("pl_copy", pl_copy$h.DESC, true);
    }

    /** {@code int pl_copy(...)}. */
    public static int plCopy(int dtype, MemorySegment src, MemorySegment dst, long n, int threads) {
        try {
            return (int) pl_copy$h.HANDLE.invokeExact(dtype, src, dst, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_copy", t);
        }
    }

    /** {@code pl_copy} through a critical downcall: short calls only; heap segments allowed. */
    public static int plCopyCritical(int dtype, MemorySegment src, MemorySegment dst, long n, int threads) {
        try {
            return (int) pl_copy$critical.HANDLE.invokeExact(dtype, src, dst, n, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_copy", t);
        }
    }

    private static final class pl_slice_reduce$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_slice_reduce", DESC, false);
    }

    private static final class pl_slice_reduce$critical {
        static final MethodHandle HANDLE = handle("pl_slice_reduce", pl_slice_reduce$h.DESC, true);
    }

    /** {@code int pl_slice_reduce(...)}. */
    public static int plSliceReduce(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        try {
            return (int) pl_slice_reduce$h.HANDLE.invokeExact(dtype, op, x, n, k, out, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_slice_reduce", t);
        }
    }

    /** {@code pl_slice_reduce} through a critical downcall: short calls only; heap segments allowed. */
    public static int plSliceReduceCritical(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        try {
            return (int) pl_slice_reduce$critical.HANDLE.invokeExact(dtype, op, x, n, k, out, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_slice_reduce", t);
        }
    }

    private static final class pl_reduceat$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_reduceat", DESC, false);
    }

    private static final class pl_reduceat$critical {
        static final MethodHandle HANDLE = handle("pl_reduceat", pl_reduceat$h.DESC, true);
    }

    /** {@code int pl_reduceat(...)}. */
    public static int plReduceat(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m, MemorySegment out, int threads) {
        try {
            return (int) pl_reduceat$h.HANDLE.invokeExact(dtype, op, x, n, offsets, m, out, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_reduceat", t);
        }
    }

    /** {@code pl_reduceat} through a critical downcall: short calls only; heap segments allowed. */
    public static int plReduceatCritical(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m, MemorySegment out, int threads) {
        try {
            return (int) pl_reduceat$critical.HANDLE.invokeExact(dtype, op, x, n, offsets, m, out, threads);
        } catch (Throwable t) {
            throw new AssertionError("pl_reduceat", t);
        }
    }

    private static final class pl_probe_read$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_probe_read", DESC, false);
    }

    private static final class pl_probe_read$critical {
        static final MethodHandle HANDLE = handle("pl_probe_read", pl_probe_read$h.DESC, true);
    }

    /** {@code int pl_probe_read(...)}. */
    public static int plProbeRead(MemorySegment x, long n, int threads, MemorySegment out) {
        try {
            return (int) pl_probe_read$h.HANDLE.invokeExact(x, n, threads, out);
        } catch (Throwable t) {
            throw new AssertionError("pl_probe_read", t);
        }
    }

    /** {@code pl_probe_read} through a critical downcall: short calls only; heap segments allowed. */
    public static int plProbeReadCritical(MemorySegment x, long n, int threads, MemorySegment out) {
        try {
            return (int) pl_probe_read$critical.HANDLE.invokeExact(x, n, threads, out);
        } catch (Throwable t) {
            throw new AssertionError("pl_probe_read", t);
        }
    }

    private static final class pl_barrier_layout$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_barrier_layout", DESC, false);
    }

    private static final class pl_barrier_layout$critical {
        static final MethodHandle HANDLE = handle("pl_barrier_layout", pl_barrier_layout$h.DESC, true);
    }

    /** {@code int pl_barrier_layout(...)}. */
    public static int plBarrierLayout(MemorySegment offsets, long n) {
        try {
            return (int) pl_barrier_layout$h.HANDLE.invokeExact(offsets, n);
        } catch (Throwable t) {
            throw new AssertionError("pl_barrier_layout", t);
        }
    }

    /** {@code pl_barrier_layout} through a critical downcall: short calls only; heap segments allowed. */
    public static int plBarrierLayoutCritical(MemorySegment offsets, long n) {
        try {
            return (int) pl_barrier_layout$critical.HANDLE.invokeExact(offsets, n);
        } catch (Throwable t) {
            throw new AssertionError("pl_barrier_layout", t);
        }
    }

    private static final class pl_barrier_init$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_barrier_init", DESC, false);
    }

    private static final class pl_barrier_init$critical {
        static final MethodHandle HANDLE = handle("pl_barrier_init", pl_barrier_init$h.DESC, true);
    }

    /** {@code int pl_barrier_init(...)}. */
    public static int plBarrierInit(MemorySegment b, long parties) {
        try {
            return (int) pl_barrier_init$h.HANDLE.invokeExact(b, parties);
        } catch (Throwable t) {
            throw new AssertionError("pl_barrier_init", t);
        }
    }

    /** {@code pl_barrier_init} through a critical downcall: short calls only; heap segments allowed. */
    public static int plBarrierInitCritical(MemorySegment b, long parties) {
        try {
            return (int) pl_barrier_init$critical.HANDLE.invokeExact(b, parties);
        } catch (Throwable t) {
            throw new AssertionError("pl_barrier_init", t);
        }
    }

    private static final class pl_barrier_wait$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_barrier_wait", DESC, false);
    }

    private static final class pl_barrier_wait$critical {
        static final MethodHandle HANDLE = handle("pl_barrier_wait", pl_barrier_wait$h.DESC, true);
    }

    /** {@code int pl_barrier_wait(...)}. */
    public static int plBarrierWait(MemorySegment b, long timeout_ns) {
        try {
            return (int) pl_barrier_wait$h.HANDLE.invokeExact(b, timeout_ns);
        } catch (Throwable t) {
            throw new AssertionError("pl_barrier_wait", t);
        }
    }

    /** {@code pl_barrier_wait} through a critical downcall: short calls only; heap segments allowed. */
    public static int plBarrierWaitCritical(MemorySegment b, long timeout_ns) {
        try {
            return (int) pl_barrier_wait$critical.HANDLE.invokeExact(b, timeout_ns);
        } catch (Throwable t) {
            throw new AssertionError("pl_barrier_wait", t);
        }
    }

    /** Every bound function's descriptor by C name, in header order (for tests). */
    public static Map<String, FunctionDescriptor> descriptors() {
        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();
        m.put("pl_version", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_cpu_level", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_active_level", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_set_level", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        m.put("pl_max_threads", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_acc_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("pl_acc_add", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_DOUBLE));
        m.put("pl_acc_merge", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_acc_round", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_reduce", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_sum_partial", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS));
        m.put("pl_variance", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        m.put("pl_dot", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_binary", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        m.put("pl_scale", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_DOUBLE, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT));
        m.put("pl_axpy", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_DOUBLE, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        m.put("pl_fill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_DOUBLE, JAVA_LONG, JAVA_LONG, JAVA_INT));
        m.put("pl_copy", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        m.put("pl_slice_reduce", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT));
        m.put("pl_reduceat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT));
        m.put("pl_probe_read", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
        m.put("pl_barrier_layout", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_barrier_init", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_barrier_wait", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        return m;
    }
}
