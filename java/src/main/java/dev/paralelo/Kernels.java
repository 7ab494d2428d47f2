package dev.paralelo;

import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.KernelProvider;
import dev.paralelo.kernel.Reductions;
import dev.paralelo.kernel.SmallSum;
import dev.paralelo.kernel.States;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The kernels: reductions, elementwise operations and slice reductions over Paralelo arrays.
 *
 * <p>A {@code Kernels} is an immutable set of settings (thread count, summation mode,
 * implementation); {@link #defaults()} uses the global thread setting, accurate sums and the
 * implementation {@link KernelProvider} picked. Derive others with {@link #withThreads} and
 * {@link #withMode}. Instances are thread-safe; many threads may call at once, and large calls
 * share the machine's cores through one budget (see docs/ACCURACY.md, "Threads").
 *
 * <p>Every argument is checked here, before any native code runs: nulls, closed arenas,
 * lengths that differ, element types that do not match, read-only outputs, negative or zero
 * slice lengths, offsets out of range. Each raises a Java exception naming the argument.
 *
 * <p>Outputs and inputs may share memory. An output that is exactly an input (same memory,
 * same length) is allowed everywhere an output is elementwise, and computes in place. An output
 * that only partly overlaps an input is computed as numpy computes it: as if the inputs were
 * copied first (the overlapping inputs are copied to private memory, then the kernel runs). Slice
 * reductions ({@link #reduceSlices}, {@link #reduceAt}) reject an output that overlaps any input.
 * Two different mappings of one file are different memory to the JVM and cannot be told apart;
 * see docs/ACCURACY.md, "Aliasing".
 *
 * <p>Results are reproducible: the same inputs give the same bits for any thread count, SIMD
 * level, and native or Java implementation. Every reduction is a {@link Partial} state over the
 * whole array, finished; {@link #partial(Reduction, NumArray, BlockRange)} gives the states of
 * block-aligned ranges, which merge to the same bits wherever they were computed.
 */
public final class Kernels {
    /** Inputs of at most this many elements run on the caller's thread, with no parallel region. */
    public static final long PARALLEL_MIN = KernelBackend.PARALLEL_MIN;

    private static final CoreBudget BUDGET = new CoreBudget(Runtime.getRuntime().availableProcessors());
    private static volatile int defaultThreads = 0;
    private static volatile ThreadSetting environmentThreads;

    private final KernelBackend backend;
    private final int threads; // 0 = the global default
    private final SumMode mode;
    /** Fast f64 and f32 sums shorter than these take {@link SmallSum} (0: none do). */
    private final long smallF64, smallF32;

    private Kernels(KernelBackend backend, int threads, SumMode mode) {
        this.backend = backend;
        this.threads = threads;
        this.mode = mode;
        boolean fast = mode == SumMode.FAST;
        this.smallF64 = fast ? backend.smallFastSumBelow(KernelBackend.F64) : 0;
        this.smallF32 = fast ? backend.smallFastSumBelow(KernelBackend.F32) : 0;
    }

    /**
     * Default settings with the provider's implementation.
     *
     * @return kernels with the default thread count, {@link SumMode#ACCURATE} and the
     *     implementation {@link KernelProvider} picked for this JVM
     */
    public static Kernels defaults() {
        return new Kernels(KernelProvider.get(), 0, SumMode.ACCURATE);
    }

    /**
     * Default settings with a specific implementation (benchmarks and tests compare them).
     *
     * @param implementation the implementation every call of the returned kernels runs
     * @return kernels with the default thread count and {@link SumMode#ACCURATE}
     * @throws dev.paralelo.kernel.ConfigurationException (an IllegalStateException) if NATIVE
     *     is asked for and the library cannot be loaded or is misconfigured
     */
    public static Kernels using(Implementation implementation) {
        return new Kernels(KernelProvider.of(Objects.requireNonNull(implementation, "implementation").name()), 0,
                SumMode.ACCURATE);
    }

    /** Default settings with a given backend object (tests inside the library). */
    static Kernels using(KernelBackend backend) {
        return new Kernels(Objects.requireNonNull(backend, "backend"), 0, SumMode.ACCURATE);
    }

    /**
     * Sets the thread count used by instances without their own; 0 restores the environment's
     * setting (see {@link #defaultThreads()}). Takes effect for calls that start afterwards.
     *
     * @param n threads per call, or 0 for the default
     * @throws IllegalArgumentException if n is negative
     */
    public static void setDefaultThreads(int n) {
        if (n < 0) throw new IllegalArgumentException("thread count must be >= 0 (0 = default), got " + n);
        defaultThreads = n;
    }

    /**
     * The thread count per call of instances without their own. Unless
     * {@link #setDefaultThreads} set one, it is read once from the environment: the system
     * property {@code paralelo.threads}, else the variable {@code PARALELO_THREADS} (for both,
     * 0 means one per core), else OpenMP's {@code OMP_NUM_THREADS} (its first value), else one
     * thread per core. A call never runs more threads than there are cores, whatever is asked.
     *
     * @return the default thread count, at least 1
     * @throws dev.paralelo.kernel.ConfigurationException if a setting is not a valid count
     */
    public static int defaultThreads() {
        int t = defaultThreads;
        return t > 0 ? t : environmentThreads().threads();
    }

    /**
     * Where {@link #defaultThreads()} comes from, for diagnostics: {@code "setDefaultThreads"},
     * the setting and its value (for example {@code "OMP_NUM_THREADS=4"}), or
     * {@code "one per core"}.
     *
     * @return a short description of the default thread count's origin
     * @throws dev.paralelo.kernel.ConfigurationException if a setting is not a valid count
     */
    public static String defaultThreadsSource() {
        return defaultThreads > 0 ? "setDefaultThreads" : environmentThreads().source();
    }

    /**
     * The number of threads a large call can run at once in this process: one per core
     * ({@link Runtime#availableProcessors()}); callers share them (see docs/ACCURACY.md,
     * "Threads").
     *
     * @return the number of cores calls share
     */
    public static int cores() {
        return BUDGET.size();
    }

    /**
     * The environment's setting, read on first use (racing readers read the same values): a bad
     * setting is an exception from each call that needs it, not a failed class initialisation.
     */
    private static ThreadSetting environmentThreads() {
        ThreadSetting s = environmentThreads;
        if (s == null) environmentThreads = s = ThreadSetting.read(BUDGET.size());
        return s;
    }

    /**
     * The same settings with n threads per call (0 = the global default).
     *
     * @param n threads per call, at least 0; 0 follows {@link #defaultThreads()} at each call, and
     *     a call never runs more threads than there are cores
     * @return a new instance with the same implementation and mode
     * @throws IllegalArgumentException if n is negative
     */
    public Kernels withThreads(int n) {
        if (n < 0) throw new IllegalArgumentException("thread count must be >= 0 (0 = default), got " + n);
        return new Kernels(backend, n, mode);
    }

    /**
     * The same settings with another summation mode.
     *
     * @param m the summation mode of float sums, means, variances and dots
     * @return a new instance with the same implementation and thread setting
     */
    public Kernels withMode(SumMode m) {
        return new Kernels(backend, threads, Objects.requireNonNull(m, "mode"));
    }

    /**
     * The implementation these kernels call: NATIVE, VECTOR or SCALAR.
     *
     * @return the implementation, fixed when the instance was made
     */
    public Implementation implementation() {
        return Implementation.valueOf(backend.name().toUpperCase(java.util.Locale.ROOT));
    }

    /**
     * Threads a call will ask for (before the core budget).
     *
     * @return this instance's thread count, or else {@link #defaultThreads()} as of now; at least 1
     */
    public int threads() {
        return threads > 0 ? threads : defaultThreads();
    }

    /**
     * The summation mode.
     *
     * @return the mode of float sums, means, variances and dots; {@link SumMode#ACCURATE} unless
     *     {@link #withMode} chose another
     */
    public SumMode mode() {
        return mode;
    }

    // ---- plumbing -------------------------------------------------------------------------

    @FunctionalInterface
    private interface Call<T> {
        T run(int threads);
    }

    /**
     * Core-budget permits for a call of n elements: -1 when it runs on the caller's thread
     * without the budget (small inputs, or one thread asked for), 0 when the budget counted it
     * and its share is the caller's thread alone, else the number of threads granted.
     */
    private int take(long n, int cost) {
        if (n <= PARALLEL_MIN) return -1;
        int want = backend.teamSize(threads(), n, cost); // no more permits than threads the call can use
        return want <= 1 ? -1 : BUDGET.acquire(want);
    }

    private static final int READ_COST = KernelBackend.COST_READ;

    /** The team-size rule's cost per element of a reduction (paralelo.h, PL_COST_*): exact float sums cost TwoSum's. */
    private int cost(int op, NumArray x) {
        boolean exact = mode == SumMode.ACCURATE && x.dtype().isFloat() && (op == Reduction.SUM.code()
                || op == Reduction.MEAN.code() || op == Reduction.VARIANCE.code() || op == Reduction.DOT.code());
        return exact ? KernelBackend.COST_ACCURATE : READ_COST;
    }

    private static void giveBack(int permits) {
        if (permits >= 0) BUDGET.release(permits);
    }

    /** What {@link #doubleCall} and {@link #longCall} run. */
    private static final int REDUCE = 0, VARIANCE = 1, DOT = 2;

    /**
     * Runs a reduction with a double result on its share of the core budget: REDUCE (op over x),
     * VARIANCE (ddof) or DOT (x and y). No lambda and no boxing: a capturing lambda per call
     * allocated 24-48 B, and on the 2-core VM the young generation's first touch of fresh pages
     * cost small calls more than their work (see the kernel package's FewSum).
     */
    private double doubleCall(int what, int op, NumArray x, NumArray y, int ddof, int cost) {
        long n = x.length();
        int p = take(n, cost), d = x.dtype().code();
        try {
            int t = Math.max(1, p);
            return switch (what) {
                case REDUCE -> backend.reduceDouble(d, op, seg(x), n, mode.code(), t);
                case VARIANCE -> backend.variance(d, seg(x), n, ddof, mode.code(), t);
                default -> backend.dotDouble(d, seg(x), seg(y), n, mode.code(), t);
            };
        } catch (InternalError e) {
            throw truncated(e);
        } finally {
            giveBack(p);
        }
    }

    /** {@link #doubleCall} for a long result: REDUCE (op over x) or DOT (x and y). */
    private long longCall(int what, int op, NumArray x, NumArray y, int cost) {
        long n = x.length();
        int p = take(n, cost), d = x.dtype().code();
        try {
            int t = Math.max(1, p);
            return what == REDUCE ? backend.reduceLong(d, op, seg(x), n, t) : backend.dotLong(d, seg(x), seg(y), n, t);
        } catch (InternalError e) {
            throw truncated(e);
        } finally {
            giveBack(p);
        }
    }

    private <T> T run(long n, int cost, Call<T> call) {
        int p = take(n, cost);
        try {
            return call.run(Math.max(1, p));
        } catch (InternalError e) {
            throw truncated(e);
        } finally {
            giveBack(p);
        }
    }

    /**
     * A page of a mapped file that another process truncated away, touched by Java code (the
     * pure-Java kernels): the JVM turns that SIGBUS into an InternalError "a fault occurred in
     * ... unsafe memory access"; it becomes an IllegalStateException like the one a truncation
     * before the call gives (docs/FORMAT.md, "A file truncated while mapped"). Any other
     * InternalError is rethrown as it is.
     */
    private static IllegalStateException truncated(InternalError e) {
        return dev.paralelo.internal.MappingFault.truncated(dev.paralelo.internal.MappingFault.orRethrow(e));
    }

    private static <A extends NumArray> A live(A a, String name) {
        Objects.requireNonNull(a, name);
        a.checkAlive();
        return a;
    }

    private static void sameLength(NumArray a, String an, NumArray b, String bn) {
        if (a.length() != b.length()) {
            throw new IllegalArgumentException("lengths differ: " + an + " has " + a.length() + " elements, "
                    + bn + " has " + b.length());
        }
    }

    private static void sameType(NumArray a, String an, NumArray b, String bn) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("element types differ: " + an + " is " + a.dtype().label()
                    + ", " + bn + " is " + b.dtype().label());
        }
    }

    private static void writable(NumArray a, String name) {
        if (a.isReadOnly()) throw new ReadOnlyArrayException(name + " (" + a.describe() + ") is read-only");
    }

    private static MemorySegment seg(NumArray a) {
        return a.segment();
    }

    /** Whether a and b share memory but are not the same memory (a partial overlap). */
    private static boolean overlapsPartly(NumArray a, NumArray b) {
        MemorySegment x = a.segment(), y = b.segment();
        if (x.byteSize() == 0 || y.byteSize() == 0 || x.asOverlappingSlice(y).isEmpty()) return false;
        return !sameMemory(x, y);
    }

    private static boolean sameMemory(MemorySegment x, MemorySegment y) {
        return x.byteSize() == y.byteSize() && x.isNative() == y.isNative()
                && (x.isNative() ? x.address() == y.address()
                        : x.heapBase().equals(y.heapBase()) && x.address() == y.address());
    }

    /**
     * in, or a private copy of it (owned by arena) when out overlaps it partly: the input as it
     * was before the call, which is numpy's rule for overlapping operands.
     */
    private NumArray unaliased(NumArray in, NumArray out, Arena[] arena) {
        if (!overlapsPartly(in, out)) return in;
        if (arena[0] == null) arena[0] = Arena.ofConfined();
        MemorySegment copy = NumArray.allocateSegment(arena[0], in.length(), in.dtype());
        MemorySegment.copy(in.segment(), 0, copy, 0, in.segment().byteSize());
        return NumArray.wrapAs(in.dtype(), copy);
    }

    private static void closeIfOpen(Arena[] arena) {
        if (arena[0] != null) arena[0].close();
    }

    /** IllegalArgumentException when out shares any memory with in. */
    private static void disjoint(NumArray out, NumArray in, String inName) {
        MemorySegment o = out.segment(), i = in.segment();
        if (o.byteSize() != 0 && i.byteSize() != 0 && o.asOverlappingSlice(i).isPresent()) {
            throw new IllegalArgumentException("out (" + out.describe() + ") shares memory with " + inName
                    + " (" + in.describe() + "); slice reductions need an output apart from their inputs");
        }
    }

    // ---- reductions -------------------------------------------------------------------------

    private double floatReduce(int op, NumArray x) {
        live(x, "x");
        return doubleCall(REDUCE, op, x, null, 0, cost(op, x));
    }

    private long intReduce(int op, NumArray x) {
        live(x, "x");
        return longCall(REDUCE, op, x, null, READ_COST);
    }

    private static <A extends NumArray> A nonEmpty(A x, String what) {
        live(x, "x");
        if (x.length() == 0) {
            throw new IllegalArgumentException(what + " of an empty array is undefined (numpy raises too)");
        }
        return x;
    }

    /**
     * Compensated, reproducible sum (0.0 when empty; NaN and infinities as in IEEE).
     *
     * @param x the array, possibly empty
     * @return the sum of the elements rounded to a double; the same bits for every thread count and
     *     implementation
     */
    public double sum(F64Array x) {
        return floatSum(KernelBackend.F64, smallF64, x);
    }

    /**
     * Sum of f32 elements, accumulated in double with compensation; returned as a double.
     *
     * @param x the array, possibly empty
     * @return the sum of the elements (widened to double) rounded to a double
     */
    public double sum(F32Array x) {
        return floatSum(KernelBackend.F32, smallF32, x);
    }

    /**
     * A float sum: below {@code small} elements straight on the kernel the backend would reach
     * (see {@link SmallSum}), unless that leaves a non-finite result to the full path.
     */
    private double floatSum(int dtype, long small, NumArray x) {
        live(x, "x");
        long n = x.length();
        if (n < small) {
            double s;
            try {
                s = SmallSum.fast(dtype, x.segment(), (int) n);
            } catch (InternalError e) {
                throw truncated(e);
            }
            if (!Double.isNaN(s)) return s;
        }
        return doubleCall(REDUCE, KernelBackend.SUM, x, null, 0, cost(KernelBackend.SUM, x));
    }

    /**
     * Exact sum; ArithmeticException if it does not fit in a long (partial sums may).
     *
     * @param x the array, possibly empty
     * @return the exact sum of the elements (0 when empty)
     * @throws ArithmeticException if the sum is outside the long range
     */
    public long sum(I64Array x) {
        return intReduce(KernelBackend.SUM, x);
    }

    /**
     * Exact sum in 64 bits.
     *
     * @param x the array, possibly empty; its sum cannot overflow a long
     * @return the exact sum of the elements (0 when empty)
     */
    public long sum(I32Array x) {
        return intReduce(KernelBackend.SUM, x);
    }

    /**
     * Arithmetic mean as a double: the sum divided by the length; NaN when empty (as numpy).
     *
     * @param x the array, of any element type
     * @return the mean; for integer data the exact sum rounded to a double, then divided by the
     *     length
     */
    public double mean(NumArray x) {
        return floatReduce(KernelBackend.MEAN, x);
    }

    /**
     * Smallest element; NaN if any is NaN; -0.0 is below +0.0. IllegalArgumentException when empty.
     *
     * @param x the array, not empty
     * @return the smallest element, or NaN
     * @throws IllegalArgumentException if x is empty
     */
    public double min(F64Array x) {
        return floatReduce(KernelBackend.MIN, nonEmpty(x, "min"));
    }

    /**
     * Smallest element (see {@link #min(F64Array)}).
     *
     * @param x the array, not empty
     * @return the smallest element widened to a double, or NaN
     * @throws IllegalArgumentException if x is empty
     */
    public double min(F32Array x) {
        return floatReduce(KernelBackend.MIN, nonEmpty(x, "min"));
    }

    /**
     * Smallest element.
     *
     * @param x the array, not empty
     * @return the smallest element
     * @throws IllegalArgumentException if x is empty
     */
    public long min(I64Array x) {
        return intReduce(KernelBackend.MIN, nonEmpty(x, "min"));
    }

    /**
     * Smallest element.
     *
     * @param x the array, not empty
     * @return the smallest element
     * @throws IllegalArgumentException if x is empty
     */
    public long min(I32Array x) {
        return intReduce(KernelBackend.MIN, nonEmpty(x, "min"));
    }

    /**
     * Largest element; NaN if any is NaN; +0.0 is above -0.0. IllegalArgumentException when empty.
     *
     * @param x the array, not empty
     * @return the largest element, or NaN
     * @throws IllegalArgumentException if x is empty
     */
    public double max(F64Array x) {
        return floatReduce(KernelBackend.MAX, nonEmpty(x, "max"));
    }

    /**
     * Largest element (see {@link #max(F64Array)}).
     *
     * @param x the array, not empty
     * @return the largest element widened to a double, or NaN
     * @throws IllegalArgumentException if x is empty
     */
    public double max(F32Array x) {
        return floatReduce(KernelBackend.MAX, nonEmpty(x, "max"));
    }

    /**
     * Largest element.
     *
     * @param x the array, not empty
     * @return the largest element
     * @throws IllegalArgumentException if x is empty
     */
    public long max(I64Array x) {
        return intReduce(KernelBackend.MAX, nonEmpty(x, "max"));
    }

    /**
     * Largest element.
     *
     * @param x the array, not empty
     * @return the largest element
     * @throws IllegalArgumentException if x is empty
     */
    public long max(I32Array x) {
        return intReduce(KernelBackend.MAX, nonEmpty(x, "max"));
    }

    /**
     * The sum of an array whose element type is known only at run time, as a double: for float
     * types what {@link #sum(F64Array)} or {@link #sum(F32Array)} returns; for integer types the
     * exact sum, converted to the nearest double (exact below 2^53; {@link #sum(I64Array)} and
     * {@link #sum(I32Array)} return the long).
     *
     * @param x the array, of any element type
     * @return the sum (0.0 when empty)
     * @throws ArithmeticException if an i64 sum does not fit in a long
     */
    public double sum(NumArray x) {
        return switch (x) {
            case F64Array a -> sum(a);
            case F32Array a -> sum(a);
            case I64Array a -> sum(a);
            case I32Array a -> sum(a);
        };
    }

    /**
     * The smallest element of an array whose element type is known only at run time, as a
     * double (the typed overloads' value; an i64 value converts to the nearest double).
     *
     * @param x the array, of any element type, not empty
     * @return the smallest element; NaN if any is NaN
     * @throws IllegalArgumentException if x is empty
     */
    public double min(NumArray x) {
        return switch (x) {
            case F64Array a -> min(a);
            case F32Array a -> min(a);
            case I64Array a -> min(a);
            case I32Array a -> min(a);
        };
    }

    /**
     * The largest element of an array whose element type is known only at run time, as a
     * double (see {@link #min(NumArray)}).
     *
     * @param x the array, of any element type, not empty
     * @return the largest element; NaN if any is NaN
     * @throws IllegalArgumentException if x is empty
     */
    public double max(NumArray x) {
        return switch (x) {
            case F64Array a -> max(a);
            case F32Array a -> max(a);
            case I64Array a -> max(a);
            case I32Array a -> max(a);
        };
    }

    /**
     * Index of the smallest element, numpy's {@code argmin}: the first NaN if there is one,
     * otherwise the first element equal to the minimum (-0.0 and +0.0 compare equal).
     * IllegalArgumentException when empty.
     *
     * @param x the array, of any element type, not empty
     * @return the index in [0, x.length()) of the first NaN or else the first minimum
     * @throws IllegalArgumentException if x is empty
     */
    public long argmin(NumArray x) {
        return ((Extremum) partial(Reduction.MIN, nonEmpty(x, "argmin"))).index();
    }

    /**
     * Index of the largest element, numpy's {@code argmax} (see {@link #argmin}).
     *
     * @param x the array, of any element type, not empty
     * @return the index in [0, x.length()) of the first NaN or else the first maximum
     * @throws IllegalArgumentException if x is empty
     */
    public long argmax(NumArray x) {
        return ((Extremum) partial(Reduction.MAX, nonEmpty(x, "argmax"))).index();
    }

    /**
     * Variance with ddof degrees of freedom removed (0: population, 1: sample), NaN when
     * length - ddof &lt;= 0, as numpy. Floats: compensated sums of deviations from the mean of a
     * sample, in one pass, or two when that sample's mean proves far from the whole mean (see
     * {@link #partialAround}); integers: exact sums of x and x*x, rounded once at the end.
     *
     * @param x the array, of any element type
     * @param ddof delta degrees of freedom, at least 0 (numpy's {@code ddof})
     * @return the variance, never negative, or NaN
     * @throws IllegalArgumentException if ddof is negative
     */
    public double variance(NumArray x, int ddof) {
        live(x, "x");
        if (ddof < 0) throw new IllegalArgumentException("ddof must be >= 0, got " + ddof);
        return doubleCall(VARIANCE, 0, x, null, ddof, cost(Reduction.VARIANCE.code(), x));
    }

    /**
     * Population variance (ddof 0).
     *
     * @param x the array, of any element type
     * @return the variance with ddof 0, or NaN when x is empty
     */
    public double variance(NumArray x) {
        return variance(x, 0);
    }

    /**
     * Standard deviation: the square root of {@link #variance(NumArray, int)}.
     *
     * @param x the array, of any element type
     * @param ddof delta degrees of freedom, at least 0 (numpy's {@code ddof})
     * @return the standard deviation, never negative, or NaN when length - ddof &lt;= 0
     * @throws IllegalArgumentException if ddof is negative
     */
    public double std(NumArray x, int ddof) {
        return Math.sqrt(variance(x, ddof));
    }

    /**
     * Population standard deviation (ddof 0).
     *
     * @param x the array, of any element type
     * @return the standard deviation with ddof 0, or NaN when x is empty
     */
    public double std(NumArray x) {
        return std(x, 0);
    }

    private double floatDot(NumArray x, NumArray y) {
        live(x, "x");
        live(y, "y");
        sameType(x, "x", y, "y");
        sameLength(x, "x", y, "y");
        return doubleCall(DOT, 0, x, y, 0, 2 * cost(Reduction.SUM.code(), x));
    }

    private long intDot(NumArray x, NumArray y) {
        live(x, "x");
        live(y, "y");
        sameType(x, "x", y, "y");
        sameLength(x, "x", y, "y");
        return longCall(DOT, 0, x, y, 2 * READ_COST);
    }

    /**
     * Dot product, compensated (Dot2: products split exactly with a fused multiply-add).
     *
     * @param x the first array
     * @param y the second array, as long as x
     * @return the sum of x[i] * y[i] rounded to a double (0.0 when empty)
     * @throws IllegalArgumentException if the lengths differ
     */
    public double dot(F64Array x, F64Array y) {
        return floatDot(x, y);
    }

    /**
     * Dot product; f32 products are exact in double and summed compensated.
     *
     * @param x the first array
     * @param y the second array, as long as x
     * @return the sum of x[i] * y[i] rounded to a double (0.0 when empty)
     * @throws IllegalArgumentException if the lengths differ
     */
    public double dot(F32Array x, F32Array y) {
        return floatDot(x, y);
    }

    /**
     * Exact dot; ArithmeticException if it does not fit in a long.
     *
     * @param x the first array
     * @param y the second array, as long as x
     * @return the exact sum of x[i] * y[i] (0 when empty)
     * @throws IllegalArgumentException if the lengths differ
     * @throws ArithmeticException if the dot is outside the long range
     */
    public long dot(I64Array x, I64Array y) {
        return intDot(x, y);
    }

    /**
     * Exact dot; ArithmeticException if it does not fit in a long.
     *
     * @param x the first array
     * @param y the second array, as long as x
     * @return the exact sum of x[i] * y[i] (0 when empty)
     * @throws IllegalArgumentException if the lengths differ
     * @throws ArithmeticException if the dot is outside the long range
     */
    public long dot(I32Array x, I32Array y) {
        return intDot(x, y);
    }

    /**
     * Dot of two arrays of the same float type, as a double (integer types: exact, converted).
     *
     * @param x the first array, of any element type
     * @param y the second array, of x's element type and length
     * @return what the typed overload returns, an integer dot converted to the nearest double
     * @throws IllegalArgumentException if the element types or lengths differ
     * @throws ArithmeticException if an integer dot is outside the long range
     */
    public double dot(NumArray x, NumArray y) {
        Objects.requireNonNull(x, "x");
        return x.dtype().isFloat() ? floatDot(x, y) : intDot(x, y);
    }

    // ---- partial states ----------------------------------------------------------------

    /**
     * The partial state of op over a block-aligned range of x (see {@link Partial} and
     * {@link Reduction} for which state each gives). Partials of the ranges of any
     * {@link BlockPartition} merge to the bits the whole-array call returns: for example
     * {@code ((ExactSum) partial(SUM, x, r)).round()} over r = the whole array is {@link #sum}.
     *
     * @param op the reduction; not DOT, and VARIANCE only of integer data
     * @param x the whole array the range indexes
     * @param range the elements to reduce, block-aligned in x (see {@link BlockPartition})
     * @return the state of the range: an {@link ExactSum}, {@link IntegerSum}, {@link Extremum} or
     *     {@link IntegerMoments}, as {@link Reduction} lists
     * @throws IllegalArgumentException if a range end is inside a block, op is DOT (two
     *     arrays: {@link #partial(Reduction, NumArray, NumArray, BlockRange)}), or op is
     *     VARIANCE of float data (centred: {@link #partialAround})
     * @throws IndexOutOfBoundsException if the range ends past x
     */
    public Partial partial(Reduction op, NumArray x, BlockRange range) {
        Objects.requireNonNull(op, "op");
        live(x, "x");
        if (op == Reduction.DOT) {
            throw new IllegalArgumentException("a dot takes two arrays: partial(DOT, x, y, range)");
        }
        if (op == Reduction.VARIANCE && x.dtype().isFloat()) {
            throw new IllegalArgumentException("the variance of " + x.dtype().label() + " data is centred: "
                    + "partialAround(x, range, varianceCenter(x)), merged, then again around CenteredSums.recenter() if it gives one");
        }
        return statePartial(op, x, null, range, 0);
    }

    /**
     * The partial state of op over the whole of x.
     *
     * @param op the reduction; not DOT, and VARIANCE only of integer data
     * @param x the array
     * @return the state of all of x, whose finish is the whole-array call's result
     * @throws IllegalArgumentException if op is DOT, or VARIANCE of float data
     */
    public Partial partial(Reduction op, NumArray x) {
        return partial(op, live(x, "x"), BlockPartition.whole(x.length()));
    }

    /**
     * The partial state of the dot of x and y over a block-aligned range (op must be DOT).
     *
     * @param op {@link Reduction#DOT}
     * @param x the first array; the range indexes it
     * @param y the second array, of x's element type and length
     * @param range the elements to reduce, block-aligned in x
     * @return the {@link ExactSum} (float data) or {@link IntegerSum} (integer data) of x[i] * y[i]
     *     over the range
     * @throws IllegalArgumentException if op is not DOT, the arrays differ in type or length, or a
     *     range end is inside a block
     * @throws IndexOutOfBoundsException if the range ends past x
     */
    public Partial partial(Reduction op, NumArray x, NumArray y, BlockRange range) {
        Objects.requireNonNull(op, "op");
        if (op != Reduction.DOT) throw new IllegalArgumentException(op + " takes one array, not two");
        live(x, "x");
        live(y, "y");
        sameType(x, "x", y, "y");
        sameLength(x, "x", y, "y");
        return statePartial(op, x, y, range, 0);
    }

    /**
     * The partial form of the variance of float data: sums of deviations from center over a
     * block-aligned range. {@link #variance(NumArray, int)} is, bit for bit: with center =
     * {@link #varianceCenter}(x), these states over a partition, merged; when the merged state's
     * {@link CenteredSums#recenter()} gives a centre, the same again around that one (a second
     * pass, only when the sample misled); {@link CenteredSums#variance(int)} of the last state.
     *
     * @param x the whole array, of f64 or f32 data
     * @param range the elements to reduce, block-aligned in x
     * @param center the centre, from {@link #varianceCenter} or {@link CenteredSums#recenter()}
     *     (the same value for every range, or the states do not merge)
     * @return the state of the range, around center
     * @throws IllegalArgumentException if x holds integers (their variance takes one phase), or a
     *     range end is inside a block
     * @throws IndexOutOfBoundsException if the range ends past x
     */
    public CenteredSums partialAround(NumArray x, BlockRange range, double center) {
        live(x, "x");
        if (!x.dtype().isFloat()) {
            throw new IllegalArgumentException("the variance of " + x.dtype().label() + " data takes one exact phase: "
                    + "partial(VARIANCE, x, range)");
        }
        return (CenteredSums) statePartial(Reduction.VARIANCE, x, null, range, center);
    }

    /**
     * The centre the variance of float data takes its first deviations from (see
     * {@link #partialAround}): the accurate mean of a sample of x, which is x itself up to 4096
     * elements (one block) and otherwise the 1024 elements {@link #varianceSample} names, in that
     * order. It only has to lie near the mean: when it does not, {@link CenteredSums#recenter()}
     * asks for a second pass. docs/ACCURACY.md gives the rule.
     *
     * @param x an array of f64 or f32 data
     * @return the centre; NaN for an empty array; not finite when the sample holds an infinity
     *     or a NaN (and then the variance is NaN)
     * @throws IllegalArgumentException if x holds integers (their variance takes one exact phase)
     * @throws IllegalStateException if x's mapped file was truncated under the call
     */
    public double varianceCenter(NumArray x) {
        live(x, "x");
        if (!x.dtype().isFloat()) {
            throw new IllegalArgumentException("the variance of " + x.dtype().label() + " data takes one exact phase: "
                    + "partial(VARIANCE, x, range)");
        }
        try {
            return backend.varianceCenter(x.dtype().code(), seg(x), x.length());
        } catch (InternalError e) {
            throw truncated(e);
        }
    }

    /**
     * The indices of the sample whose accurate mean is {@link #varianceCenter} of an array of n
     * elements: 0 to n-1 when n is at most 4096, else the 1024 indices floor((2k + 1) n / 2048),
     * k = 0 to 1023. A process holding only part of the array (MPI ranks) can gather these
     * elements, in this order, into an array of the data's type: {@link #varianceCenter} of that
     * array is the whole array's centre.
     *
     * @param n the length of the whole array, 0 to 2^62
     * @return the indices, ascending
     * @throws IllegalArgumentException if n is negative or past 2^62
     */
    public static long[] varianceSample(long n) {
        if (n < 0 || n > (1L << 62)) throw new IllegalArgumentException("an array of " + n + " elements");
        long[] idx = new long[Reductions.varianceSampleSize(n)];
        for (int k = 0; k < idx.length; k++) idx[k] = Reductions.varianceSampleIndex(n, k);
        return idx;
    }

    private Partial statePartial(Reduction op, NumArray x, NumArray y, BlockRange range, double center) {
        Objects.requireNonNull(range, "range");
        BlockPartition.checkAligned(x.length(), range);
        int dtype = x.dtype().code();
        long[] state = States.init(dtype, op.code(), center);
        run(range.length(), (y == null ? 1 : 2) * cost(op.code(), x), t -> {
            backend.partial(dtype, op.code(), seg(x), y == null ? null : seg(y), x.length(), range.start(), range.end(),
                    mode.code(), t, state);
            return null;
        });
        return PartialCodec.of(States.kind(dtype, op.code()), state);
    }

    // ---- elementwise ----------------------------------------------------------------------

    private void binary(int op, NumArray a, NumArray b, NumArray out) {
        live(a, "a");
        live(b, "b");
        live(out, "out");
        sameType(a, "a", b, "b");
        sameType(a, "a", out, "out");
        sameLength(a, "a", b, "b");
        sameLength(a, "a", out, "out");
        writable(out, "out");
        Arena[] temp = {null};
        try {
            NumArray a1 = unaliased(a, out, temp), b1 = unaliased(b, out, temp);
            run(a.length(), READ_COST, t -> {
                backend.binary(a.dtype().code(), op, seg(a1), seg(b1), seg(out), a.length(), t);
                return null;
            });
        } finally {
            closeIfOpen(temp);
        }
    }

    /**
     * out[i] = a[i] + b[i]. Integer arithmetic wraps, as numpy's. out may be a or b, or overlap
     * them (computed as if a and b were copied first, as numpy does).
     *
     * @param a the first operand
     * @param b the second operand, of a's element type and length
     * @param out the result, of a's element type and length, writable
     * @throws IllegalArgumentException if the element types or lengths differ
     * @throws ReadOnlyArrayException if out is read-only
     */
    public void add(NumArray a, NumArray b, NumArray out) {
        binary(KernelBackend.ADD, a, b, out);
    }

    /**
     * out[i] = a[i] - b[i].
     *
     * @param a the first operand
     * @param b the operand subtracted, of a's element type and length
     * @param out the result, of a's element type and length, writable; it may be a or b or overlap
     *     them, as for {@link #add}
     * @throws IllegalArgumentException if the element types or lengths differ
     * @throws ReadOnlyArrayException if out is read-only
     */
    public void sub(NumArray a, NumArray b, NumArray out) {
        binary(KernelBackend.SUB, a, b, out);
    }

    /**
     * out[i] = a[i] * b[i].
     *
     * @param a the first operand
     * @param b the second operand, of a's element type and length
     * @param out the result, of a's element type and length, writable; it may be a or b or overlap
     *     them, as for {@link #add}; integer products wrap
     * @throws IllegalArgumentException if the element types or lengths differ
     * @throws ReadOnlyArrayException if out is read-only
     */
    public void mul(NumArray a, NumArray b, NumArray out) {
        binary(KernelBackend.MUL, a, b, out);
    }

    private static void floatOnly(NumArray a, String what) {
        if (!a.dtype().isFloat()) {
            throw new IllegalArgumentException(what + " of an " + a.dtype().label()
                    + " array takes an integer factor (use the long overload)");
        }
    }

    /**
     * out[i] = alpha * x[i] for float arrays (f32 rounds alpha to float first).
     *
     * @param x the input, f64 or f32
     * @param alpha the factor
     * @param out the result, of x's element type and length, writable; it may be x or overlap it
     * @throws IllegalArgumentException if x holds integers (use the long overload), or the element
     *     types or lengths differ
     * @throws ReadOnlyArrayException if out is read-only
     */
    public void scale(NumArray x, double alpha, NumArray out) {
        floatOnly(Objects.requireNonNull(x, "x"), "scale");
        scaleImpl(x, alpha, 0, out);
    }

    /**
     * out[i] = alpha * x[i]; integer arithmetic wraps; float arrays use (double) alpha.
     *
     * @param x the input, of any element type
     * @param alpha the factor; i32 arrays use its low 32 bits
     * @param out the result, of x's element type and length, writable; it may be x or overlap it
     * @throws IllegalArgumentException if the element types or lengths differ
     * @throws ReadOnlyArrayException if out is read-only
     */
    public void scale(NumArray x, long alpha, NumArray out) {
        scaleImpl(x, alpha, alpha, out);
    }

    private void scaleImpl(NumArray x, double af, long ai, NumArray out) {
        live(x, "x");
        live(out, "out");
        sameType(x, "x", out, "out");
        sameLength(x, "x", out, "out");
        writable(out, "out");
        Arena[] temp = {null};
        try {
            NumArray x1 = unaliased(x, out, temp);
            run(x.length(), READ_COST, t -> {
                backend.scale(x.dtype().code(), seg(x1), af, ai, seg(out), x.length(), t);
                return null;
            });
        } finally {
            closeIfOpen(temp);
        }
    }

    /**
     * y[i] = alpha * x[i] + y[i] for float arrays, rounded twice (no fused multiply-add).
     *
     * @param alpha the factor
     * @param x the input, f64 or f32
     * @param y the array updated in place, of x's element type and length, writable; x may overlap
     *     it
     * @throws IllegalArgumentException if x holds integers (use the long overload), or the element
     *     types or lengths differ
     * @throws ReadOnlyArrayException if y is read-only
     */
    public void axpy(double alpha, NumArray x, NumArray y) {
        floatOnly(Objects.requireNonNull(x, "x"), "axpy");
        axpyImpl(alpha, 0, x, y);
    }

    /**
     * y[i] = alpha * x[i] + y[i]; integer arithmetic wraps.
     *
     * @param alpha the factor; i32 arrays use its low 32 bits
     * @param x the input, of any element type
     * @param y the array updated in place, of x's element type and length, writable; x may overlap
     *     it
     * @throws IllegalArgumentException if the element types or lengths differ
     * @throws ReadOnlyArrayException if y is read-only
     */
    public void axpy(long alpha, NumArray x, NumArray y) {
        axpyImpl(alpha, alpha, x, y);
    }

    private void axpyImpl(double af, long ai, NumArray x, NumArray y) {
        live(x, "x");
        live(y, "y");
        sameType(x, "x", y, "y");
        sameLength(x, "x", y, "y");
        writable(y, "y");
        Arena[] temp = {null};
        try {
            NumArray x1 = unaliased(x, y, temp);
            run(x.length(), READ_COST, t -> {
                backend.axpy(x.dtype().code(), af, ai, seg(x1), seg(y), x.length(), t);
                return null;
            });
        } finally {
            closeIfOpen(temp);
        }
    }

    /**
     * Sets every element of a float array to value.
     *
     * @param out the array to fill, f64 or f32, writable
     * @param value the value; f32 arrays get it rounded to float
     * @throws IllegalArgumentException if out holds integers (use the long overload)
     * @throws ReadOnlyArrayException if out is read-only
     */
    public void fill(NumArray out, double value) {
        floatOnly(Objects.requireNonNull(out, "out"), "fill");
        fillImpl(out, value, 0);
    }

    /**
     * Sets every element to value (integer arrays keep its low bits).
     *
     * @param out the array to fill, of any element type, writable
     * @param value the value; i32 arrays get its low 32 bits, float arrays (double) value
     * @throws ReadOnlyArrayException if out is read-only
     */
    public void fill(NumArray out, long value) {
        fillImpl(out, value, value);
    }

    private void fillImpl(NumArray out, double vf, long vi) {
        live(out, "out");
        writable(out, "out");
        run(out.length(), READ_COST, t -> {
            backend.fill(out.dtype().code(), seg(out), vf, vi, out.length(), t);
            return null;
        });
    }

    /**
     * dst[i] = src[i]; overlapping views are copied as if through a temporary.
     *
     * @param src the elements to copy
     * @param dst the destination, of src's element type and length, writable
     * @throws IllegalArgumentException if the element types or lengths differ
     * @throws ReadOnlyArrayException if dst is read-only
     */
    public void copy(NumArray src, NumArray dst) {
        live(src, "src");
        live(dst, "dst");
        sameType(src, "src", dst, "dst");
        sameLength(src, "src", dst, "dst");
        writable(dst, "dst");
        run(src.length(), READ_COST, t -> {
            backend.copy(src.dtype().code(), seg(src), seg(dst), src.length(), t);
            return null;
        });
    }

    // ---- slices -----------------------------------------------------------------------------

    private static void outputFor(SliceOp op, NumArray x, NumArray out, long m) {
        DType want = op.outputType(x.dtype());
        if (out.dtype() != want) {
            throw new IllegalArgumentException("wrong element type: " + op + " of " + x.dtype().label()
                    + " writes " + want.label() + ", but out is " + out.dtype().label());
        }
        if (out.length() != m) {
            throw new IllegalArgumentException("out has " + out.length() + " elements, but there are " + m + " slices");
        }
        writable(out, "out");
    }

    /**
     * out[j] = op(x[j*k .. min((j+1)*k, n))) for j &lt; ceil(n / k): every consecutive slice of k
     * elements, the last one possibly shorter. Slice sums are compensated (8 lanes, folded as a
     * double-double). See {@link SliceOp#outputType} for out's element type.
     *
     * @param op the reduction applied to each slice
     * @param x the input, of any element type
     * @param k elements per slice, at least 1
     * @param out the results, ceil(n / k) elements of {@code op.outputType(x.dtype())}, writable
     *     and sharing no memory with x
     * @throws IllegalArgumentException if k is below 1, out has the wrong type or length, or out
     *     overlaps x
     * @throws ReadOnlyArrayException if out is read-only
     * @throws ArithmeticException if an integer slice sum is outside the long range
     */
    public void reduceSlices(SliceOp op, NumArray x, long k, NumArray out) {
        Objects.requireNonNull(op, "op");
        live(x, "x");
        live(out, "out");
        if (k < 1) throw new IllegalArgumentException("slice length k must be >= 1, got " + k);
        long m = x.length() / k + (x.length() % k != 0 ? 1 : 0);
        outputFor(op, x, out, m);
        disjoint(out, x, "x");
        run(x.length(), KernelBackend.COST_ACCURATE, t -> {
            backend.sliceReduce(x.dtype().code(), op.code(), seg(x), x.length(), k, seg(out), t);
            return null;
        });
    }

    /**
     * numpy's {@code ufunc.reduceat}: out[j] = op(x[offsets[j] .. offsets[j+1])) when
     * offsets[j] &lt; offsets[j+1], else x[offsets[j]]; the last slice runs to the end. Every
     * offset must be in [0, n).
     *
     * @param op the reduction applied to each slice
     * @param x the input, of any element type
     * @param offsets slice starts, each in [0, x.length()), in any order
     * @param out the results, one per offset, of {@code op.outputType(x.dtype())}, writable and
     *     sharing no memory with x or offsets
     * @throws IndexOutOfBoundsException if an offset is outside [0, x.length())
     * @throws IllegalArgumentException if out has the wrong type or length, or overlaps x or
     *     offsets
     * @throws ReadOnlyArrayException if out is read-only
     * @throws ArithmeticException if an integer slice sum is outside the long range
     */
    public void reduceAt(SliceOp op, NumArray x, I64Array offsets, NumArray out) {
        Objects.requireNonNull(op, "op");
        live(x, "x");
        live(offsets, "offsets");
        live(out, "out");
        long n = x.length(), m = offsets.length();
        outputFor(op, x, out, m);
        disjoint(out, x, "x");
        disjoint(out, offsets, "offsets");
        for (long j = 0; j < m; j++) {
            long o = offsets.get(j);
            if (o < 0 || o >= n) {
                throw new IndexOutOfBoundsException("offsets[" + j + "] = " + o + " is outside [0, " + n + ")");
            }
        }
        run(n, KernelBackend.COST_ACCURATE, t -> {
            backend.reduceAt(x.dtype().code(), op.code(), seg(x), n, seg(offsets), m, seg(out), t);
            return null;
        });
    }

    /**
     * {@link #reduceAt(SliceOp, NumArray, I64Array, NumArray)} with offsets in a Java array.
     *
     * @param op the reduction applied to each slice
     * @param x the input, of any element type
     * @param offsets slice starts, each in [0, x.length()); read, not kept
     * @param out the results, one per offset, of {@code op.outputType(x.dtype())}, writable and
     *     sharing no memory with x
     * @throws IndexOutOfBoundsException if an offset is outside [0, x.length())
     * @throws IllegalArgumentException if out has the wrong type or length, or overlaps x
     * @throws ReadOnlyArrayException if out is read-only
     */
    public void reduceAt(SliceOp op, NumArray x, long[] offsets, NumArray out) {
        reduceAt(op, x, I64Array.wrap(Objects.requireNonNull(offsets, "offsets")), out);
    }
}
