package dev.paralelo.kernel;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_E_ALIGN;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_E_CONFIG;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_E_EMPTY;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_E_FAULT;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_E_INDEX;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_E_MISMATCH;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_E_OVERFLOW;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_LEVEL_NAMES;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_OK;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_VERSION;

import dev.paralelo.internal.ffi.LibraryLoader;
import dev.paralelo.internal.ffi.ParaleloLib;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.Supplier;

/**
 * Kernels in libparalelo, through FFM.
 *
 * <p>Calls of at most {@link #CRITICAL_MAX} elements take the {@code critical} downcall: no
 * thread-state transition, heap arrays read in place, one thread. Larger calls on off-heap
 * memory take the normal downcall, which lets the GC run while the C threads work. Larger calls on a
 * heap array (only critical calls may see the Java heap, and they must stay short): reductions
 * accumulate their partial state over block-aligned chunks, a critical call each, and finish it
 * in Java, which gives the bits of one call; elementwise and slice kernels run in
 * {@link JavaKernels}, which reads the heap in place and returns the same bits too.
 */
public final class NativeKernels implements KernelBackend {
    /** Largest element count that uses a critical downcall. */
    public static final long CRITICAL_MAX = 16_384;

    /** SIMD level names, index = level ({@code PL_LEVEL_NAMES}). */
    public static final List<String> LEVEL_NAMES = List.of(PL_LEVEL_NAMES.split(" "));

    /**
     * Loads the library and checks it answers; UnsatisfiedLinkError if it cannot load, and
     * IllegalStateException if PARALELO_SIMD names no SIMD level.
     */
    public NativeKernels() {
        this(true);
    }

    /**
     * As {@link #NativeKernels()}; with crossover false every call downcalls, whatever its size
     * (tests compare the two).
     */
    public NativeKernels(boolean crossover) {
        this.small = crossover ? SMALL : null;
        this.below = crossover && SMALL != null ? Crossover.flat() : null;
        LibraryLoader.lookup();
        int v = ParaleloLib.plVersion();
        if (v != PL_VERSION) throw new UnsatisfiedLinkError("libparalelo ABI version " + v + ", expected " + PL_VERSION);
        if (ParaleloLib.plCheckConfig() != PL_OK) {
            throw new IllegalStateException("PARALELO_SIMD='" + System.getenv("PARALELO_SIMD")
                    + "' names no SIMD level; use one of " + String.join(", ", LEVEL_NAMES) + ", or unset it");
        }
        pinRegionCost();
        ParaleloLib.plFaultGuard(); // installs the SIGBUS guard now rather than on the first kernel call
    }

    /**
     * Whether native kernels turn a fault on a truncated mapped file into an exception (the
     * library's SIGBUS guard is installed; {@code PARALELO_FAULT_GUARD=0} leaves it out).
     *
     * @return true if a kernel that touches a page of a mapped file truncated away throws
     *     {@link IllegalStateException} rather than ending the process
     */
    public static boolean faultGuard() {
        return ParaleloLib.plFaultGuard() == 1;
    }

    /** {@code -Dparalelo.regionCostNs=NS}: pins the team-size rule's parallel call cost (pl_set_region_cost). */
    static final String REGION_COST_PROPERTY = "paralelo.regionCostNs";
    private static volatile boolean regionCostRead;

    /** Reads the property once; a bad value fails every construction with the same message. */
    private static void pinRegionCost() {
        if (regionCostRead) return;
        synchronized (NativeKernels.class) {
            if (regionCostRead) return;
            String v = System.getProperty(REGION_COST_PROPERTY);
            if (v != null) {
                long ns;
                try {
                    ns = Long.parseLong(v.strip());
                } catch (NumberFormatException e) {
                    ns = -1;
                }
                if (ns < 0) {
                    throw new ConfigurationException(REGION_COST_PROPERTY + "=" + v + " is not a cost: use nanoseconds >= 0", null);
                }
                ParaleloLib.plSetRegionCost(ns);
            }
            regionCostRead = true;
        }
    }

    @Override
    public int teamSize(int threads, long n, int cost) {
        return n <= PARALLEL_MIN || threads <= 1 ? 1 : ParaleloLib.plTeamSize(threads, n, cost);
    }

    @Override
    public String name() {
        return "native";
    }

    /** The crossover of fast sums (which sends them to the Vector API kernels), capped at two blocks. */
    @Override
    public long smallFastSumBelow(int dtype) {
        if (small == null || (dtype != F64 && dtype != F32)) return 0;
        return Math.min(bound(K_SUM + SUM, FAST, dtype), SmallSum.MAX + 1L);
    }

    @Override
    public String describe() {
        return "native libparalelo (" + levelName(ParaleloLib.plActiveLevel()) + " of CPU's "
                + levelName(ParaleloLib.plCpuLevel()) + ", " + ParaleloLib.plMaxThreads()
                + " threads) from " + LibraryLoader.source();
    }

    /** Name of a SIMD level code. */
    public static String levelName(int level) {
        return level >= 0 && level < LEVEL_NAMES.size() ? LEVEL_NAMES.get(level) : "level " + level;
    }

    /** Code of a SIMD level name; IllegalArgumentException naming the valid ones. */
    public static int levelCode(String name) {
        int level = LEVEL_NAMES.indexOf(name);
        if (level < 0) {
            throw new IllegalArgumentException("unknown SIMD level '" + name + "'; use one of " + String.join(", ", LEVEL_NAMES));
        }
        return level;
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
        if (ParaleloLib.plSetLevel(level) != PL_OK) {
            throw new IllegalArgumentException("SIMD level " + level + " (" + levelName(level)
                    + ") is not supported by this CPU; highest is " + levelName(cpuLevel()));
        }
    }

    private static void check(int status, Supplier<String> what) {
        if (status == PL_OK) return;
        String call = what.get(); // built only on failure: string work costs more than a small kernel
        switch (status) {
            case PL_E_OVERFLOW -> throw new ArithmeticException(call + " overflows a 64-bit integer");
            case PL_E_EMPTY -> throw new IllegalArgumentException(call + " of an empty array is undefined");
            case PL_E_INDEX -> throw new IndexOutOfBoundsException(call + ": an offset is outside the array (checked before the call, so the offsets changed during it)");
            case PL_E_ALIGN -> throw new IllegalArgumentException(call + ": the range is not block-aligned");
            case PL_E_MISMATCH -> throw new IllegalArgumentException(call + ": the state was made for another reduction");
            case PL_E_CONFIG -> throw new IllegalStateException(call + ": PARALELO_SIMD names no SIMD level");
            case PL_E_FAULT -> throw new IllegalStateException("an array's mapped file was truncated during the call ("
                    + call + " touched a page past its new end)");
            default -> throw new IllegalStateException(call + " failed with status " + status
                    + " (arguments were validated in Java; this is a bug)");
        }
    }

    /** Per-thread off-heap room for the partial states of large calls: no arena per call. */
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(8L * States.CENTERED_WORDS, 64));

    /**
     * Per-thread out-parameters of every call: a double and a long, off-heap. Small calls used
     * to pass new one-element arrays: free when the JIT inlines the call and removes them, about
     * 150 ns when it does not (measured at n = 16, where the kernel takes 20 ns).
     */
    private record Out(MemorySegment f, MemorySegment i) {
        double f64() {
            return f.get(ValueLayout.JAVA_DOUBLE, 0);
        }

        long i64() {
            return i.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    private static final ThreadLocal<Out> OUT = ThreadLocal.withInitial(() -> {
        MemorySegment m = Arena.ofAuto().allocate(16, 8);
        return new Out(m.asSlice(0, 8), m.asSlice(8, 8));
    });

    /** Elements per critical call when a large heap array is reduced in chunks (16 blocks). */
    static final long HEAP_CHUNK = 16L * BLOCK;

    private static final JavaKernels JAVA = new JavaKernels();

    /** The Vector API kernels for calls below the crossover, or null when the module is absent. */
    private static final KernelBackend SMALL = KernelProvider.vector();

    /** SMALL, or null when this instance never crosses over. */
    private final KernelBackend small;

    /** The crossover table, flat ({@link Crossover#flat}); indices of its kernels below. */
    private final long[] below;
    private static final int K_SUM = 0, K_VARIANCE = 4, K_DOT = 5, K_ADD = 6;

    /** Whether a call of n elements of kernel k (an index into Crossover.KERNELS) takes the vector path. */
    private boolean small(int k, int dtype, int mode, long n) {
        return small != null && n < bound(k, mode, dtype);
    }

    /** The crossover of kernel k (an index into Crossover.KERNELS) in a mode for dtype; below needs small != null. */
    private long bound(int k, int mode, int dtype) {
        return below[(k * 2 + (mode == FAST ? 1 : 0)) * 4 + dtype];
    }

    private static boolean small(long n) {
        return n <= CRITICAL_MAX;
    }

    /** Whether a large call must avoid the native path because a segment is on the Java heap. */
    private static boolean heap(long n, MemorySegment x) { // no varargs array on the small calls' path
        return !small(n) && !x.isNative();
    }

    private static boolean heap(long n, MemorySegment... segs) {
        if (small(n)) return false;
        for (MemorySegment s : segs) if (!s.isNative()) return true;
        return false;
    }

    static String opName(int op) {
        return switch (op) {
            case SUM -> "sum";
            case MEAN -> "mean";
            case MIN -> "min";
            case MAX -> "max";
            case VAR -> "variance";
            default -> "dot";
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
    public void partial(int dtype, int op, MemorySegment x, MemorySegment y, long n, long lo, long hi, int mode,
            int threads, long[] state) {
        MemorySegment ys = y == null ? x : y;
        Supplier<String> call = () -> "pl_partial(" + opName(op) + ", " + typeName(dtype) + ", [" + lo + ", " + hi + ") of " + n + ")";
        if (small(hi - lo) || !x.isNative() || !ys.isNative()) {
            // Critical calls, a chunk of whole blocks at a time, accumulating into the heap state.
            MemorySegment st = MemorySegment.ofArray(state);
            long a = lo;
            do {
                long b = Math.min(hi, a + HEAP_CHUNK);
                check(op == DOT ? ParaleloLib.plPartialDotCritical(dtype, x, ys, n, a, b, mode, 1, st)
                        : ParaleloLib.plPartialCritical(dtype, op, x, n, a, b, mode, 1, st), call);
                a = b;
            } while (a < hi);
            return;
        }
        MemorySegment st = SCRATCH.get();
        MemorySegment.copy(state, 0, st, ValueLayout.JAVA_LONG, 0, state.length);
        check(op == DOT ? ParaleloLib.plPartialDot(dtype, x, ys, n, lo, hi, mode, threads, st)
                : ParaleloLib.plPartial(dtype, op, x, n, lo, hi, mode, threads, st), call);
        MemorySegment.copy(st, ValueLayout.JAVA_LONG, 0, state, 0, state.length);
    }

    /** The whole-array state of (dtype, op) for a large heap array, by chunked critical calls. */
    private long[] heapState(int dtype, int op, MemorySegment x, MemorySegment y, long n, int mode, double center) {
        long[] st = States.init(dtype, op, center);
        partial(dtype, op, x, y, n, 0, n, mode, 1, st);
        return st;
    }

    @Override
    public double reduceDouble(int dtype, int op, MemorySegment x, long n, int mode, int threads) {
        if (small(K_SUM + op, dtype, op == SUM || op == MEAN ? mode : ACCURATE, n)) return small.reduceDouble(dtype, op, x, n, mode, threads);
        if (heap(n, x)) {
            long[] st = heapState(dtype, op, x, null, n, mode, 0);
            if (op == MIN || op == MAX) {
                return st[States.EXTREMUM_NAN] != 0 ? Double.NaN : Double.longBitsToDouble(st[States.EXTREMUM_VALUE]);
            }
            if (States.isFloat(dtype)) return op == SUM ? ExactAccumulator.round(st, 0) : ExactAccumulator.mean(st, 0, n);
            double s = WideInteger.toDouble(st, 0);
            return op == SUM ? s : s / n;
        }
        return reduce(dtype, op, x, n, mode, threads).f64();
    }

    /**
     * pl_reduce into this thread's out-parameters, which it returns: a critical downcall for
     * small calls (which may read a heap array in place), a normal one otherwise.
     */
    private static Out reduce(int dtype, int op, MemorySegment x, long n, int mode, int threads) {
        Out o = OUT.get();
        int st = small(n) ? ParaleloLib.plReduceCritical(dtype, op, x, n, mode, 1, o.f(), o.i())
                : ParaleloLib.plReduce(dtype, op, x, n, mode, threads, o.f(), o.i());
        if (st != PL_OK) check(st, () -> "pl_reduce(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ")");
        return o;
    }

    @Override
    public long reduceLong(int dtype, int op, MemorySegment x, long n, int threads) {
        if (heap(n, x)) {
            long[] st = heapState(dtype, op, x, null, n, ACCURATE, 0);
            return op == MIN || op == MAX ? st[States.EXTREMUM_VALUE] : WideInteger.toLongExact(st, 0, "sum");
        }
        return reduce(dtype, op, x, n, ACCURATE, threads).i64();
    }

    @Override
    public double variance(int dtype, MemorySegment x, long n, int ddof, int mode, int threads) {
        if (small(K_VARIANCE, dtype, mode, n)) return small.variance(dtype, x, n, ddof, mode, threads);
        if (heap(n, x)) {
            if (n - ddof <= 0) return Double.NaN;
            if (!States.isFloat(dtype)) return States.variance(States.kind(dtype, VAR), heapState(dtype, VAR, x, null, n, mode, 0), ddof);
            // As pl_variance: around the sample's centre, and again when it proves far from the mean.
            return States.centeredVariance(varianceCenter(dtype, x, n), center -> heapState(dtype, VAR, x, null, n, mode, center), ddof);
        }
        Out o = OUT.get();
        int st = small(n) ? ParaleloLib.plVarianceCritical(dtype, x, n, ddof, mode, 1, o.f())
                : ParaleloLib.plVariance(dtype, x, n, ddof, mode, threads, o.f());
        if (st != PL_OK) check(st, () -> "pl_variance(" + typeName(dtype) + ", n=" + n + ", ddof=" + ddof + ")");
        return o.f64();
    }

    @Override
    public double varianceCenter(int dtype, MemorySegment x, long n) {
        // A sample of at most a block: short enough for a critical call, which may read the heap.
        Out o = OUT.get();
        int st = ParaleloLib.plVarianceCenterCritical(dtype, x, n, o.f());
        if (st != PL_OK) check(st, () -> "pl_variance_center(" + typeName(dtype) + ", n=" + n + ")");
        return o.f64();
    }

    /** pl_dot into this thread's out-parameters, which it returns. */
    private static Out dot(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads) {
        Out o = OUT.get();
        int st = small(n) ? ParaleloLib.plDotCritical(dtype, x, y, n, mode, 1, o.f(), o.i())
                : ParaleloLib.plDot(dtype, x, y, n, mode, threads, o.f(), o.i());
        if (st != PL_OK) check(st, () -> "pl_dot(" + typeName(dtype) + ", n=" + n + ")");
        return o;
    }

    @Override
    public double dotDouble(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads) {
        if (small(K_DOT, dtype, mode, n)) return small.dotDouble(dtype, x, y, n, mode, threads);
        if (heap(n, x, y)) return ExactAccumulator.round(heapState(dtype, DOT, x, y, n, mode, 0), 0);
        return dot(dtype, x, y, n, mode, threads).f64();
    }

    @Override
    public long dotLong(int dtype, MemorySegment x, MemorySegment y, long n, int threads) {
        if (heap(n, x, y)) return WideInteger.toLongExact(heapState(dtype, DOT, x, y, n, ACCURATE, 0), 0, "dot");
        return dot(dtype, x, y, n, ACCURATE, threads).i64();
    }

    @Override
    public void binary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        Supplier<String> call = () -> "pl_binary(" + typeName(dtype) + ", n=" + n + ")";
        if (small(K_ADD + op, dtype, ACCURATE, n)) small.binary(dtype, op, a, b, out, n, threads);
        else if (small(n)) check(ParaleloLib.plBinaryCritical(dtype, op, a, b, out, n, 1), call);
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
        Supplier<String> call = () -> "pl_copy(" + typeName(dtype) + ", n=" + n + ")";
        if (src.isMapped() || dst.isMapped()) { // see mapped()
            if (src.isNative() && dst.isNative()) {
                check(small(n) ? ParaleloLib.plCopyCritical(dtype, src, dst, n, 1) : ParaleloLib.plCopy(dtype, src, dst, n, threads), call);
                return;
            }
            long w = Elementwise.size(dtype); // a heap side: critical calls of at most CRITICAL_MAX elements (no overlap is possible)
            for (long i = 0; i < n; i += CRITICAL_MAX) {
                long len = Math.min(CRITICAL_MAX, n - i);
                check(ParaleloLib.plCopyCritical(dtype, src.asSlice(i * w, len * w), dst.asSlice(i * w, len * w), len, 1), call);
            }
            return;
        }
        if (small(n) || heap(n, src, dst)) {
            Elementwise.copy(dtype, src, dst, n); // memmove semantics
            return;
        }
        check(ParaleloLib.plCopy(dtype, src, dst, n, threads), call);
    }

    /**
     * Whether a call that {@link #heap} sends to the pure-Java kernels reads or writes a mapped
     * file: it then runs natively on off-heap copies of its heap operands instead
     * ({@link #offHeap}). Java code that touches a page of a mapping truncated under it is not
     * always recoverable in JDK 25: a compiled load of an int widened to a long from such a page
     * crashed the JVM (its SIGBUS handler could not decode the instruction: slice sums of a
     * mapped i32 array into a heap array), and a copy's fault surfaced as an InternalError after
     * the call had returned. The native kernels return an error status instead (their SIGBUS
     * guard, docs/FORMAT.md).
     */
    private static boolean mapped(MemorySegment a, MemorySegment b, MemorySegment c) {
        return a.isMapped() || b.isMapped() || (c != null && c.isMapped());
    }

    /** s itself when it is off-heap, else a copy of it in arena. */
    private static MemorySegment offHeap(Arena arena, MemorySegment s) {
        return s.isNative() ? s : arena.allocate(s.byteSize(), 8).copyFrom(s);
    }

    @Override
    public void sliceReduce(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        Supplier<String> call = () -> "pl_slice_reduce(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ", k=" + k + ")";
        if (small(n)) {
            check(ParaleloLib.plSliceReduceCritical(dtype, op, x, n, k, out, 1), call);
        } else if (heap(n, x, out)) {
            if (!mapped(x, out, null)) {
                JAVA.sliceReduce(dtype, op, x, n, k, out, threads);
                return;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment o = offHeap(a, out);
                check(ParaleloLib.plSliceReduce(dtype, op, offHeap(a, x), n, k, o, threads), call);
                if (o != out) MemorySegment.copy(o, 0, out, 0, out.byteSize());
            }
        } else {
            check(ParaleloLib.plSliceReduce(dtype, op, x, n, k, out, threads), call);
        }
    }

    @Override
    public void reduceAt(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m,
            MemorySegment out, int threads) {
        Supplier<String> call = () -> "pl_reduceat(" + opName(op) + ", " + typeName(dtype) + ", n=" + n + ", m=" + m + ")";
        long size = Math.max(n, m);
        if (small(size)) {
            check(ParaleloLib.plReduceatCritical(dtype, op, x, n, offsets, m, out, 1), call);
        } else if (heap(size, x, offsets, out)) {
            if (!mapped(x, offsets, out)) {
                JAVA.reduceAt(dtype, op, x, n, offsets, m, out, threads);
                return;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment o = offHeap(a, out);
                check(ParaleloLib.plReduceat(dtype, op, offHeap(a, x), n, offHeap(a, offsets), m, o, threads), call);
                if (o != out) MemorySegment.copy(o, 0, out, 0, out.byteSize());
            }
        } else {
            check(ParaleloLib.plReduceat(dtype, op, x, n, offsets, m, out, threads), call);
        }
    }

    /** Reads n doubles as fast as possible (unordered sum) on exactly `threads` threads: the bandwidth ceiling. */
    public static double probeRead(MemorySegment x, long n, int threads) {
        Out o = OUT.get();
        check(ParaleloLib.plProbeRead(x, n, threads, o.f()), () -> "pl_probe_read");
        return o.f64();
    }

    /** The accurate mode's TwoSum work on n doubles, 4 interleaved groups, no blocks: its ceiling. */
    public static double probeTwoSum(MemorySegment x, long n, int threads) {
        Out o = OUT.get();
        check(ParaleloLib.plProbeTwosum(x, n, threads, o.f()), () -> "pl_probe_twosum");
        return o.f64();
    }
}
