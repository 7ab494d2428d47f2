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
import java.util.Set;

/**
 * Bindings for {@code native/include/paralelo.h}, written by {@code native/tools/bindgen.py}
 * in jextract's style: do not edit by hand. The header's {@code #define} constants are
 * compile-time constants here, so using one never loads the library. Each function has a
 * holder class, loaded on first use, with its descriptor and handle; the functions the
 * generator lists as short kernels also have a {@code critical} handle, which may take heap
 * segments and must only run short calls (it holds off the GC).
 */
@SuppressWarnings("restricted")
public final class ParaleloLib {
    private ParaleloLib() {}

    /** {@code PL_VERSION}: 6: ring owner words out of the descriptors (pl_ring_offsets). */
    public static final int PL_VERSION = 6;

    /** {@code PL_OK}. */
    public static final int PL_OK = 0;

    /** {@code PL_E_ARG}: a null pointer, a negative length, an unknown enum value. */
    public static final int PL_E_ARG = -1;

    /** {@code PL_E_OVERFLOW}: an integer result does not fit in int64. */
    public static final int PL_E_OVERFLOW = -2;

    /** {@code PL_E_EMPTY}: min/max of no elements. */
    public static final int PL_E_EMPTY = -3;

    /** {@code PL_E_LEVEL}: a SIMD level this CPU does not support. */
    public static final int PL_E_LEVEL = -4;

    /** {@code PL_E_INDEX}: an offset outside [0, n). */
    public static final int PL_E_INDEX = -5;

    /** {@code PL_E_TIMEOUT}: a barrier wait ran out of time. */
    public static final int PL_E_TIMEOUT = -6;

    /** {@code PL_E_LAYOUT}: shared memory that does not hold the expected layout. */
    public static final int PL_E_LAYOUT = -7;

    /** {@code PL_E_ALIGN}: a partial's range that is not block-aligned (see pl_partial). */
    public static final int PL_E_ALIGN = -8;

    /** {@code PL_E_CONFIG}: PARALELO_SIMD names no SIMD level (see pl_check_config). */
    public static final int PL_E_CONFIG = -9;

    /** {@code PL_E_MISMATCH}: merging partial states of different kinds, ops, types or centres. */
    public static final int PL_E_MISMATCH = -10;

    /** {@code PL_E_FAULT}: a kernel touched a page of a mapped file truncated away (SIGBUS). */
    public static final int PL_E_FAULT = -11;

    /** {@code PL_F64}. */
    public static final int PL_F64 = 0;

    /** {@code PL_F32}. */
    public static final int PL_F32 = 1;

    /** {@code PL_I64}. */
    public static final int PL_I64 = 2;

    /** {@code PL_I32}. */
    public static final int PL_I32 = 3;

    /** {@code PL_SUM}. */
    public static final int PL_SUM = 0;

    /** {@code PL_MEAN}. */
    public static final int PL_MEAN = 1;

    /** {@code PL_MIN}. */
    public static final int PL_MIN = 2;

    /** {@code PL_MAX}. */
    public static final int PL_MAX = 3;

    /** {@code PL_VAR}. */
    public static final int PL_VAR = 4;

    /** {@code PL_DOT}. */
    public static final int PL_DOT = 5;

    /** {@code PL_ADD}. */
    public static final int PL_ADD = 0;

    /** {@code PL_SUB}. */
    public static final int PL_SUB = 1;

    /** {@code PL_MUL}. */
    public static final int PL_MUL = 2;

    /** {@code PL_ACCURATE}: 8 TwoSum lanes, block partials summed exactly (docs/ACCURACY.md). */
    public static final int PL_ACCURATE = 0;

    /** {@code PL_FAST}: 32 plain lanes (sum, dot), exact combine: numpy-level accuracy. */
    public static final int PL_FAST = 1;

    /** {@code PL_LEVEL_BASELINE}: x86-64 (SSE2). */
    public static final int PL_LEVEL_BASELINE = 0;

    /** {@code PL_LEVEL_AVX2}: AVX2 + FMA. */
    public static final int PL_LEVEL_AVX2 = 1;

    /** {@code PL_LEVEL_AVX512}: AVX-512 F/DQ/VL/BW. */
    public static final int PL_LEVEL_AVX512 = 2;

    /** {@code PL_LEVEL_NAMES}. */
    public static final String PL_LEVEL_NAMES = "baseline avx2 avx512";

    /** {@code PL_BLOCK}: elements per block; blocks start at multiples of PL_BLOCK. */
    public static final int PL_BLOCK = 4096;

    /** {@code PL_LANES}: virtual lanes; element i of a block goes to lane i % PL_LANES. */
    public static final int PL_LANES = 8;

    /** {@code PL_FAST_LANES}: lanes of fast-mode sums and dots. */
    public static final int PL_FAST_LANES = 32;

    /** {@code PL_PARALLEL_MIN}. */
    public static final int PL_PARALLEL_MIN = 16384;

    /** {@code PL_COST_READ}: per element: fast sums, min/max, integer sums, elementwise. */
    public static final int PL_COST_READ = 64;

    /** {@code PL_COST_ACCURATE}: per element: accurate sums and means, slice reductions. */
    public static final int PL_COST_ACCURATE = 160;

    /** {@code PL_ACC_DIGITS}. */
    public static final int PL_ACC_DIGITS = 136;

    /** {@code PL_STATE_SUM}: pl_acc: float sum, mean and dot. */
    public static final int PL_STATE_SUM = 1;

    /** {@code PL_STATE_INTEGER}: pl_wide: integer sum, mean and dot. */
    public static final int PL_STATE_INTEGER = 2;

    /** {@code PL_STATE_EXTREMUM}: pl_extremum: min and max. */
    public static final int PL_STATE_EXTREMUM = 3;

    /** {@code PL_STATE_CENTERED}: pl_centered: float variance, the centred sums. */
    public static final int PL_STATE_CENTERED = 4;

    /** {@code PL_STATE_MOMENTS}: pl_moments: integer variance. */
    public static final int PL_STATE_MOMENTS = 5;

    /** {@code PL_WIDE_WORDS}. */
    public static final int PL_WIDE_WORDS = 4;

    /** {@code PL_VARIANCE_SAMPLE}. */
    public static final int PL_VARIANCE_SAMPLE = 1024;

    /** {@code PL_BARRIER_MAGIC}: "PLBRB1". */
    public static final long PL_BARRIER_MAGIC = 0x314252424C50L;

    /** {@code PL_BARRIER_BROKEN}: `generation` of a broken barrier. */
    public static final long PL_BARRIER_BROKEN = -1L;

    /** {@code PL_RING_MAGIC}: "PLRING". */
    public static final long PL_RING_MAGIC = 0x474E49524C50L;

    /** {@code PL_RING_VERSION}: 2: owner words out of the descriptors. */
    public static final int PL_RING_VERSION = 2;

    /** {@code PL_RING_TASKS}: `which` ring: parent to workers. */
    public static final int PL_RING_TASKS = 0;

    /** {@code PL_RING_RESULTS}: `which` ring: workers to parent. */
    public static final int PL_RING_RESULTS = 1;

    /** {@code PL_RING_READER}: owner bit: taken by the consumer whose pid is below it. */
    public static final int PL_RING_READER = 0x40000000;

    /** {@code PL_RING_RECLAIMED}: owner's low 32 bits: taken over by the parent. */
    public static final long PL_RING_RECLAIMED = 0x80000000L;

    /** {@code PL_RING_MAX_PID}: largest pid an owner word holds (2^22 - 1). */
    public static final int PL_RING_MAX_PID = 4194303;

    /** {@code PL_RING_FULL}: pl_ring_offer: no room now (not an error). */
    public static final int PL_RING_FULL = 1;

    /** {@code PL_RING_EMPTY}: pl_ring_poll: nothing published now (not an error). */
    public static final int PL_RING_EMPTY = 1;

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

    /** {@code int pl_version(void)} */
    public static int plVersion() {
        try {
            return (int) pl_version$h.HANDLE.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_version", t);
        }
    }

    private static final class pl_cpu_level$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_cpu_level", DESC, false);
    }

    /** {@code int pl_cpu_level(void)} */
    public static int plCpuLevel() {
        try {
            return (int) pl_cpu_level$h.HANDLE.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_cpu_level", t);
        }
    }

    private static final class pl_active_level$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_active_level", DESC, false);
    }

    /** {@code int pl_active_level(void)} */
    public static int plActiveLevel() {
        try {
            return (int) pl_active_level$h.HANDLE.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_active_level", t);
        }
    }

    private static final class pl_set_level$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_set_level", DESC, false);
    }

    /** {@code int pl_set_level(int level)} */
    public static int plSetLevel(int level) {
        try {
            return (int) pl_set_level$h.HANDLE.invokeExact(level);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_set_level", t);
        }
    }

    private static final class pl_check_config$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_check_config", DESC, false);
    }

    /** {@code int pl_check_config(void)} */
    public static int plCheckConfig() {
        try {
            return (int) pl_check_config$h.HANDLE.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_check_config", t);
        }
    }

    private static final class pl_fault_guard$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_fault_guard", DESC, false);
    }

    /** {@code int pl_fault_guard(void)} */
    public static int plFaultGuard() {
        try {
            return (int) pl_fault_guard$h.HANDLE.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_fault_guard", t);
        }
    }

    private static final class pl_max_threads$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_max_threads", DESC, false);
    }

    /** {@code int pl_max_threads(void)} */
    public static int plMaxThreads() {
        try {
            return (int) pl_max_threads$h.HANDLE.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_max_threads", t);
        }
    }

    private static final class pl_team_size$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_team_size", DESC, false);
    }

    /** {@code int pl_team_size(int threads, int64_t n, int cost)} */
    public static int plTeamSize(int threads, long n, int cost) {
        try {
            return (int) pl_team_size$h.HANDLE.invokeExact(threads, n, cost);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_team_size", t);
        }
    }

    private static final class pl_region_cost$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_region_cost", DESC, false);
    }

    /** {@code int64_t pl_region_cost(int threads)} */
    public static long plRegionCost(int threads) {
        try {
            return (long) pl_region_cost$h.HANDLE.invokeExact(threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_region_cost", t);
        }
    }

    private static final class pl_set_region_cost$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_set_region_cost", DESC, false);
    }

    /** {@code int pl_set_region_cost(int64_t ns)} */
    public static int plSetRegionCost(long ns) {
        try {
            return (int) pl_set_region_cost$h.HANDLE.invokeExact(ns);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_set_region_cost", t);
        }
    }

    private static final class pl_acc_init$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_acc_init", DESC, false);
    }

    /** {@code int pl_acc_init(pl_acc *acc)} */
    public static int plAccInit(MemorySegment acc) {
        try {
            return (int) pl_acc_init$h.HANDLE.invokeExact(acc);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_init", t);
        }
    }

    private static final class pl_acc_add$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_DOUBLE);
        static final MethodHandle HANDLE = handle("pl_acc_add", DESC, false);
    }

    /** {@code int pl_acc_add(pl_acc *acc, double x)} */
    public static int plAccAdd(MemorySegment acc, double x) {
        try {
            return (int) pl_acc_add$h.HANDLE.invokeExact(acc, x);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_add", t);
        }
    }

    private static final class pl_acc_add_product$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_DOUBLE, JAVA_DOUBLE);
        static final MethodHandle HANDLE = handle("pl_acc_add_product", DESC, false);
    }

    /** {@code int pl_acc_add_product(pl_acc *acc, double x, double y)} */
    public static int plAccAddProduct(MemorySegment acc, double x, double y) {
        try {
            return (int) pl_acc_add_product$h.HANDLE.invokeExact(acc, x, y);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_add_product", t);
        }
    }

    private static final class pl_acc_merge$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_acc_merge", DESC, false);
    }

    /** {@code int pl_acc_merge(pl_acc *dst, const pl_acc *src)} */
    public static int plAccMerge(MemorySegment dst, MemorySegment src) {
        try {
            return (int) pl_acc_merge$h.HANDLE.invokeExact(dst, src);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_merge", t);
        }
    }

    private static final class pl_acc_round$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_acc_round", DESC, false);
    }

    /** {@code int pl_acc_round(const pl_acc *acc, double *out)} */
    public static int plAccRound(MemorySegment acc, MemorySegment out) {
        try {
            return (int) pl_acc_round$h.HANDLE.invokeExact(acc, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_round", t);
        }
    }

    private static final class pl_acc_mean$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_acc_mean", DESC, false);
    }

    /** {@code int pl_acc_mean(const pl_acc *acc, int64_t n, double *out)} */
    public static int plAccMean(MemorySegment acc, long n, MemorySegment out) {
        try {
            return (int) pl_acc_mean$h.HANDLE.invokeExact(acc, n, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_acc_mean", t);
        }
    }

    private static final class pl_partition$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_partition", DESC, false);
    }

    /** {@code int pl_partition(int64_t n, int64_t parts, int64_t index, int64_t *lo, int64_t *hi)} */
    public static int plPartition(long n, long parts, long index, MemorySegment lo, MemorySegment hi) {
        try {
            return (int) pl_partition$h.HANDLE.invokeExact(n, parts, index, lo, hi);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_partition", t);
        }
    }

    private static final class pl_state_kind$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_state_kind", DESC, false);
    }

    /** {@code int pl_state_kind(int dtype, int op)} */
    public static int plStateKind(int dtype, int op) {
        try {
            return (int) pl_state_kind$h.HANDLE.invokeExact(dtype, op);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_state_kind", t);
        }
    }

    private static final class pl_state_words$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_state_words", DESC, false);
    }

    /** {@code int pl_state_words(int kind)} */
    public static int plStateWords(int kind) {
        try {
            return (int) pl_state_words$h.HANDLE.invokeExact(kind);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_state_words", t);
        }
    }

    private static final class pl_state_layout$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_state_layout", DESC, false);
    }

    /** {@code int pl_state_layout(int kind, int64_t *offsets, int64_t n)} */
    public static int plStateLayout(int kind, MemorySegment offsets, long n) {
        try {
            return (int) pl_state_layout$h.HANDLE.invokeExact(kind, offsets, n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_state_layout", t);
        }
    }

    private static final class pl_state_init$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_DOUBLE);
        static final MethodHandle HANDLE = handle("pl_state_init", DESC, false);
    }

    /** {@code int pl_state_init(void *state, int dtype, int op, double center)} */
    public static int plStateInit(MemorySegment state, int dtype, int op, double center) {
        try {
            return (int) pl_state_init$h.HANDLE.invokeExact(state, dtype, op, center);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_state_init", t);
        }
    }

    private static final class pl_partial$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_partial", DESC, false);
    }

    /** {@code int pl_partial(int dtype, int op, const void *x, int64_t n, int64_t lo, int64_t hi, int mode, int threads, void *state)} */
    public static int plPartial(int dtype, int op, MemorySegment x, long n, long lo, long hi, int mode, int threads, MemorySegment state) {
        try {
            return (int) pl_partial$h.HANDLE.invokeExact(dtype, op, x, n, lo, hi, mode, threads, state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_partial", t);
        }
    }

    private static final class pl_partial$critical {
        static final MethodHandle HANDLE = handle("pl_partial", pl_partial$h.DESC, true);
    }

    /** {@code int pl_partial(int dtype, int op, const void *x, int64_t n, int64_t lo, int64_t hi, int mode, int threads, void *state)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plPartialCritical(int dtype, int op, MemorySegment x, long n, long lo, long hi, int mode, int threads, MemorySegment state) {
        try {
            return (int) pl_partial$critical.HANDLE.invokeExact(dtype, op, x, n, lo, hi, mode, threads, state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_partial", t);
        }
    }

    private static final class pl_partial_dot$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_partial_dot", DESC, false);
    }

    /** {@code int pl_partial_dot(int dtype, const void *x, const void *y, int64_t n, int64_t lo, int64_t hi, int mode, int threads, void *state)} */
    public static int plPartialDot(int dtype, MemorySegment x, MemorySegment y, long n, long lo, long hi, int mode, int threads, MemorySegment state) {
        try {
            return (int) pl_partial_dot$h.HANDLE.invokeExact(dtype, x, y, n, lo, hi, mode, threads, state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_partial_dot", t);
        }
    }

    private static final class pl_partial_dot$critical {
        static final MethodHandle HANDLE = handle("pl_partial_dot", pl_partial_dot$h.DESC, true);
    }

    /** {@code int pl_partial_dot(int dtype, const void *x, const void *y, int64_t n, int64_t lo, int64_t hi, int mode, int threads, void *state)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plPartialDotCritical(int dtype, MemorySegment x, MemorySegment y, long n, long lo, long hi, int mode, int threads, MemorySegment state) {
        try {
            return (int) pl_partial_dot$critical.HANDLE.invokeExact(dtype, x, y, n, lo, hi, mode, threads, state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_partial_dot", t);
        }
    }

    private static final class pl_merge$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_merge", DESC, false);
    }

    /** {@code int pl_merge(int kind, void *dst, const void *src)} */
    public static int plMerge(int kind, MemorySegment dst, MemorySegment src) {
        try {
            return (int) pl_merge$h.HANDLE.invokeExact(kind, dst, src);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_merge", t);
        }
    }

    private static final class pl_wide_to_i64$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_wide_to_i64", DESC, false);
    }

    /** {@code int pl_wide_to_i64(const pl_wide *w, int64_t *out)} */
    public static int plWideToI64(MemorySegment w, MemorySegment out) {
        try {
            return (int) pl_wide_to_i64$h.HANDLE.invokeExact(w, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_wide_to_i64", t);
        }
    }

    private static final class pl_wide_to_f64$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_wide_to_f64", DESC, false);
    }

    /** {@code int pl_wide_to_f64(const pl_wide *w, double *out)} */
    public static int plWideToF64(MemorySegment w, MemorySegment out) {
        try {
            return (int) pl_wide_to_f64$h.HANDLE.invokeExact(w, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_wide_to_f64", t);
        }
    }

    private static final class pl_extremum_result$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_extremum_result", DESC, false);
    }

    /** {@code int pl_extremum_result(const pl_extremum *st, double *out_f, int64_t *out_i, int64_t *index)} */
    public static int plExtremumResult(MemorySegment st, MemorySegment out_f, MemorySegment out_i, MemorySegment index) {
        try {
            return (int) pl_extremum_result$h.HANDLE.invokeExact(st, out_f, out_i, index);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_extremum_result", t);
        }
    }

    private static final class pl_variance_result$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_variance_result", DESC, false);
    }

    /** {@code int pl_variance_result(int kind, const void *state, int ddof, double *out)} */
    public static int plVarianceResult(int kind, MemorySegment state, int ddof, MemorySegment out) {
        try {
            return (int) pl_variance_result$h.HANDLE.invokeExact(kind, state, ddof, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_variance_result", t);
        }
    }

    private static final class pl_variance_center$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_variance_center", DESC, false);
    }

    /** {@code int pl_variance_center(int dtype, const void *x, int64_t n, double *center)} */
    public static int plVarianceCenter(int dtype, MemorySegment x, long n, MemorySegment center) {
        try {
            return (int) pl_variance_center$h.HANDLE.invokeExact(dtype, x, n, center);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_variance_center", t);
        }
    }

    private static final class pl_variance_center$critical {
        static final MethodHandle HANDLE = handle("pl_variance_center", pl_variance_center$h.DESC, true);
    }

    /** {@code int pl_variance_center(int dtype, const void *x, int64_t n, double *center)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plVarianceCenterCritical(int dtype, MemorySegment x, long n, MemorySegment center) {
        try {
            return (int) pl_variance_center$critical.HANDLE.invokeExact(dtype, x, n, center);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_variance_center", t);
        }
    }

    private static final class pl_variance_recenter$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_variance_recenter", DESC, false);
    }

    /** {@code int pl_variance_recenter(const pl_centered *state, double *next)} */
    public static int plVarianceRecenter(MemorySegment state, MemorySegment next) {
        try {
            return (int) pl_variance_recenter$h.HANDLE.invokeExact(state, next);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_variance_recenter", t);
        }
    }

    private static final class pl_reduce$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_reduce", DESC, false);
    }

    /** {@code int pl_reduce(int dtype, int op, const void *x, int64_t n, int mode, int threads, double *out_f, int64_t *out_i)} */
    public static int plReduce(int dtype, int op, MemorySegment x, long n, int mode, int threads, MemorySegment out_f, MemorySegment out_i) {
        try {
            return (int) pl_reduce$h.HANDLE.invokeExact(dtype, op, x, n, mode, threads, out_f, out_i);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_reduce", t);
        }
    }

    private static final class pl_reduce$critical {
        static final MethodHandle HANDLE = handle("pl_reduce", pl_reduce$h.DESC, true);
    }

    /** {@code int pl_reduce(int dtype, int op, const void *x, int64_t n, int mode, int threads, double *out_f, int64_t *out_i)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plReduceCritical(int dtype, int op, MemorySegment x, long n, int mode, int threads, MemorySegment out_f, MemorySegment out_i) {
        try {
            return (int) pl_reduce$critical.HANDLE.invokeExact(dtype, op, x, n, mode, threads, out_f, out_i);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_reduce", t);
        }
    }

    private static final class pl_variance$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_variance", DESC, false);
    }

    /** {@code int pl_variance(int dtype, const void *x, int64_t n, int ddof, int mode, int threads, double *out)} */
    public static int plVariance(int dtype, MemorySegment x, long n, int ddof, int mode, int threads, MemorySegment out) {
        try {
            return (int) pl_variance$h.HANDLE.invokeExact(dtype, x, n, ddof, mode, threads, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_variance", t);
        }
    }

    private static final class pl_variance$critical {
        static final MethodHandle HANDLE = handle("pl_variance", pl_variance$h.DESC, true);
    }

    /** {@code int pl_variance(int dtype, const void *x, int64_t n, int ddof, int mode, int threads, double *out)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plVarianceCritical(int dtype, MemorySegment x, long n, int ddof, int mode, int threads, MemorySegment out) {
        try {
            return (int) pl_variance$critical.HANDLE.invokeExact(dtype, x, n, ddof, mode, threads, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_variance", t);
        }
    }

    private static final class pl_dot$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_dot", DESC, false);
    }

    /** {@code int pl_dot(int dtype, const void *x, const void *y, int64_t n, int mode, int threads, double *out_f, int64_t *out_i)} */
    public static int plDot(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads, MemorySegment out_f, MemorySegment out_i) {
        try {
            return (int) pl_dot$h.HANDLE.invokeExact(dtype, x, y, n, mode, threads, out_f, out_i);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_dot", t);
        }
    }

    private static final class pl_dot$critical {
        static final MethodHandle HANDLE = handle("pl_dot", pl_dot$h.DESC, true);
    }

    /** {@code int pl_dot(int dtype, const void *x, const void *y, int64_t n, int mode, int threads, double *out_f, int64_t *out_i)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plDotCritical(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads, MemorySegment out_f, MemorySegment out_i) {
        try {
            return (int) pl_dot$critical.HANDLE.invokeExact(dtype, x, y, n, mode, threads, out_f, out_i);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_dot", t);
        }
    }

    private static final class pl_binary$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_binary", DESC, false);
    }

    /** {@code int pl_binary(int dtype, int op, const void *a, const void *b, void *out, int64_t n, int threads)} */
    public static int plBinary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        try {
            return (int) pl_binary$h.HANDLE.invokeExact(dtype, op, a, b, out, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_binary", t);
        }
    }

    private static final class pl_binary$critical {
        static final MethodHandle HANDLE = handle("pl_binary", pl_binary$h.DESC, true);
    }

    /** {@code int pl_binary(int dtype, int op, const void *a, const void *b, void *out, int64_t n, int threads)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plBinaryCritical(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        try {
            return (int) pl_binary$critical.HANDLE.invokeExact(dtype, op, a, b, out, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_binary", t);
        }
    }

    private static final class pl_scale$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_DOUBLE, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_scale", DESC, false);
    }

    /** {@code int pl_scale(int dtype, const void *x, double alpha_f, int64_t alpha_i, void *out, int64_t n, int threads)} */
    public static int plScale(int dtype, MemorySegment x, double alpha_f, long alpha_i, MemorySegment out, long n, int threads) {
        try {
            return (int) pl_scale$h.HANDLE.invokeExact(dtype, x, alpha_f, alpha_i, out, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_scale", t);
        }
    }

    private static final class pl_scale$critical {
        static final MethodHandle HANDLE = handle("pl_scale", pl_scale$h.DESC, true);
    }

    /** {@code int pl_scale(int dtype, const void *x, double alpha_f, int64_t alpha_i, void *out, int64_t n, int threads)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plScaleCritical(int dtype, MemorySegment x, double alpha_f, long alpha_i, MemorySegment out, long n, int threads) {
        try {
            return (int) pl_scale$critical.HANDLE.invokeExact(dtype, x, alpha_f, alpha_i, out, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_scale", t);
        }
    }

    private static final class pl_axpy$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_DOUBLE, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_axpy", DESC, false);
    }

    /** {@code int pl_axpy(int dtype, double alpha_f, int64_t alpha_i, const void *x, void *y, int64_t n, int threads)} */
    public static int plAxpy(int dtype, double alpha_f, long alpha_i, MemorySegment x, MemorySegment y, long n, int threads) {
        try {
            return (int) pl_axpy$h.HANDLE.invokeExact(dtype, alpha_f, alpha_i, x, y, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_axpy", t);
        }
    }

    private static final class pl_axpy$critical {
        static final MethodHandle HANDLE = handle("pl_axpy", pl_axpy$h.DESC, true);
    }

    /** {@code int pl_axpy(int dtype, double alpha_f, int64_t alpha_i, const void *x, void *y, int64_t n, int threads)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plAxpyCritical(int dtype, double alpha_f, long alpha_i, MemorySegment x, MemorySegment y, long n, int threads) {
        try {
            return (int) pl_axpy$critical.HANDLE.invokeExact(dtype, alpha_f, alpha_i, x, y, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_axpy", t);
        }
    }

    private static final class pl_fill$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_DOUBLE, JAVA_LONG, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_fill", DESC, false);
    }

    /** {@code int pl_fill(int dtype, void *out, double value_f, int64_t value_i, int64_t n, int threads)} */
    public static int plFill(int dtype, MemorySegment out, double value_f, long value_i, long n, int threads) {
        try {
            return (int) pl_fill$h.HANDLE.invokeExact(dtype, out, value_f, value_i, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_fill", t);
        }
    }

    private static final class pl_fill$critical {
        static final MethodHandle HANDLE = handle("pl_fill", pl_fill$h.DESC, true);
    }

    /** {@code int pl_fill(int dtype, void *out, double value_f, int64_t value_i, int64_t n, int threads)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plFillCritical(int dtype, MemorySegment out, double value_f, long value_i, long n, int threads) {
        try {
            return (int) pl_fill$critical.HANDLE.invokeExact(dtype, out, value_f, value_i, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_fill", t);
        }
    }

    private static final class pl_copy$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_copy", DESC, false);
    }

    /** {@code int pl_copy(int dtype, const void *src, void *dst, int64_t n, int threads)} */
    public static int plCopy(int dtype, MemorySegment src, MemorySegment dst, long n, int threads) {
        try {
            return (int) pl_copy$h.HANDLE.invokeExact(dtype, src, dst, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_copy", t);
        }
    }

    private static final class pl_copy$critical {
        static final MethodHandle HANDLE = handle("pl_copy", pl_copy$h.DESC, true);
    }

    /** {@code int pl_copy(int dtype, const void *src, void *dst, int64_t n, int threads)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plCopyCritical(int dtype, MemorySegment src, MemorySegment dst, long n, int threads) {
        try {
            return (int) pl_copy$critical.HANDLE.invokeExact(dtype, src, dst, n, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_copy", t);
        }
    }

    private static final class pl_slice_reduce$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_slice_reduce", DESC, false);
    }

    /** {@code int pl_slice_reduce(int dtype, int op, const void *x, int64_t n, int64_t k, void *out, int threads)} */
    public static int plSliceReduce(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        try {
            return (int) pl_slice_reduce$h.HANDLE.invokeExact(dtype, op, x, n, k, out, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_slice_reduce", t);
        }
    }

    private static final class pl_slice_reduce$critical {
        static final MethodHandle HANDLE = handle("pl_slice_reduce", pl_slice_reduce$h.DESC, true);
    }

    /** {@code int pl_slice_reduce(int dtype, int op, const void *x, int64_t n, int64_t k, void *out, int threads)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plSliceReduceCritical(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        try {
            return (int) pl_slice_reduce$critical.HANDLE.invokeExact(dtype, op, x, n, k, out, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_slice_reduce", t);
        }
    }

    private static final class pl_reduceat$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT);
        static final MethodHandle HANDLE = handle("pl_reduceat", DESC, false);
    }

    /** {@code int pl_reduceat(int dtype, int op, const void *x, int64_t n, const int64_t *offsets, int64_t m, void *out, int threads)} */
    public static int plReduceat(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m, MemorySegment out, int threads) {
        try {
            return (int) pl_reduceat$h.HANDLE.invokeExact(dtype, op, x, n, offsets, m, out, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_reduceat", t);
        }
    }

    private static final class pl_reduceat$critical {
        static final MethodHandle HANDLE = handle("pl_reduceat", pl_reduceat$h.DESC, true);
    }

    /** {@code int pl_reduceat(int dtype, int op, const void *x, int64_t n, const int64_t *offsets, int64_t m, void *out, int threads)}, as a critical downcall: short calls only; heap segments allowed. */
    public static int plReduceatCritical(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m, MemorySegment out, int threads) {
        try {
            return (int) pl_reduceat$critical.HANDLE.invokeExact(dtype, op, x, n, offsets, m, out, threads);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_reduceat", t);
        }
    }

    private static final class pl_probe_read$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_probe_read", DESC, false);
    }

    /** {@code int pl_probe_read(const double *x, int64_t n, int threads, double *out)} */
    public static int plProbeRead(MemorySegment x, long n, int threads, MemorySegment out) {
        try {
            return (int) pl_probe_read$h.HANDLE.invokeExact(x, n, threads, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_probe_read", t);
        }
    }

    private static final class pl_probe_twosum$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS);
        static final MethodHandle HANDLE = handle("pl_probe_twosum", DESC, false);
    }

    /** {@code int pl_probe_twosum(const double *x, int64_t n, int threads, double *out)} */
    public static int plProbeTwosum(MemorySegment x, long n, int threads, MemorySegment out) {
        try {
            return (int) pl_probe_twosum$h.HANDLE.invokeExact(x, n, threads, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_probe_twosum", t);
        }
    }

    private static final class pl_barrier_layout$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_barrier_layout", DESC, false);
    }

    /** {@code int pl_barrier_layout(int64_t *offsets, int64_t n)} */
    public static int plBarrierLayout(MemorySegment offsets, long n) {
        try {
            return (int) pl_barrier_layout$h.HANDLE.invokeExact(offsets, n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_barrier_layout", t);
        }
    }

    private static final class pl_barrier_init$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_barrier_init", DESC, false);
    }

    /** {@code int pl_barrier_init(void *b, int64_t parties)} */
    public static int plBarrierInit(MemorySegment b, long parties) {
        try {
            return (int) pl_barrier_init$h.HANDLE.invokeExact(b, parties);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_barrier_init", t);
        }
    }

    private static final class pl_barrier_wait$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_barrier_wait", DESC, false);
    }

    /** {@code int pl_barrier_wait(void *b, int64_t timeout_ns)} */
    public static int plBarrierWait(MemorySegment b, long timeout_ns) {
        try {
            return (int) pl_barrier_wait$h.HANDLE.invokeExact(b, timeout_ns);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_barrier_wait", t);
        }
    }

    private static final class pl_ring_layout$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_ring_layout", DESC, false);
    }

    /** {@code int pl_ring_layout(int64_t *offsets, int64_t n)} */
    public static int plRingLayout(MemorySegment offsets, long n) {
        try {
            return (int) pl_ring_layout$h.HANDLE.invokeExact(offsets, n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_ring_layout", t);
        }
    }

    private static final class pl_ring_offsets$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_ring_offsets", DESC, false);
    }

    /** {@code int pl_ring_offsets(int64_t slots, int64_t slot_bytes, int64_t pos, int64_t *offsets, int64_t n)} */
    public static int plRingOffsets(long slots, long slot_bytes, long pos, MemorySegment offsets, long n) {
        try {
            return (int) pl_ring_offsets$h.HANDLE.invokeExact(slots, slot_bytes, pos, offsets, n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_ring_offsets", t);
        }
    }

    private static final class pl_ring_check$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_ring_check", DESC, false);
    }

    /** {@code int pl_ring_check(const void *file, int64_t bytes)} */
    public static int plRingCheck(MemorySegment file, long bytes) {
        try {
            return (int) pl_ring_check$h.HANDLE.invokeExact(file, bytes);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_ring_check", t);
        }
    }

    private static final class pl_ring_offer$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_ring_offer", DESC, false);
    }

    /** {@code int pl_ring_offer(void *file, int64_t bytes, int which, const void *frame, int64_t len, int64_t pid)} */
    public static int plRingOffer(MemorySegment file, long bytes, int which, MemorySegment frame, long len, long pid) {
        try {
            return (int) pl_ring_offer$h.HANDLE.invokeExact(file, bytes, which, frame, len, pid);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_ring_offer", t);
        }
    }

    private static final class pl_ring_poll$h {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG);
        static final MethodHandle HANDLE = handle("pl_ring_poll", DESC, false);
    }

    /** {@code int pl_ring_poll(void *file, int64_t bytes, int which, void *out, int64_t capacity, int64_t *len, int64_t pid)} */
    public static int plRingPoll(MemorySegment file, long bytes, int which, MemorySegment out, long capacity, MemorySegment len, long pid) {
        try {
            return (int) pl_ring_poll$h.HANDLE.invokeExact(file, bytes, which, out, capacity, len, pid);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pl_ring_poll", t);
        }
    }

    /** Every bound function's descriptor by C name, in header order (for tests). */
    public static Map<String, FunctionDescriptor> descriptors() {
        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();
        m.put("pl_version", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_cpu_level", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_active_level", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_set_level", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        m.put("pl_check_config", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_fault_guard", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_max_threads", FunctionDescriptor.of(JAVA_INT));
        m.put("pl_team_size", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
        m.put("pl_region_cost", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
        m.put("pl_set_region_cost", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        m.put("pl_acc_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("pl_acc_add", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_DOUBLE));
        m.put("pl_acc_add_product", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_DOUBLE, JAVA_DOUBLE));
        m.put("pl_acc_merge", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_acc_round", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_acc_mean", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        m.put("pl_partition", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
        m.put("pl_state_kind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        m.put("pl_state_words", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        m.put("pl_state_layout", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_state_init", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_DOUBLE));
        m.put("pl_partial", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS));
        m.put("pl_partial_dot", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS));
        m.put("pl_merge", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_wide_to_i64", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_wide_to_f64", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_extremum_result", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        m.put("pl_variance_result", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        m.put("pl_variance_center", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        m.put("pl_variance_recenter", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("pl_reduce", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
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
        m.put("pl_probe_twosum", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
        m.put("pl_barrier_layout", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_barrier_init", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_barrier_wait", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_ring_layout", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_ring_offsets", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG));
        m.put("pl_ring_check", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("pl_ring_offer", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        m.put("pl_ring_poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
        return m;
    }

    /** The functions that have a critical wrapper (for tests). */
    public static Set<String> criticalFunctions() {
        return Set.of("pl_axpy", "pl_binary", "pl_copy", "pl_dot", "pl_fill", "pl_partial", "pl_partial_dot", "pl_reduce", "pl_reduceat", "pl_scale", "pl_slice_reduce", "pl_variance", "pl_variance_center");
    }
}
