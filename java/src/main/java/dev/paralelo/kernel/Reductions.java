package dev.paralelo.kernel;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_CENTERED;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_EXTREMUM;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_INTEGER;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_SUM;
import static dev.paralelo.kernel.KernelBackend.ACCURATE;
import static dev.paralelo.kernel.KernelBackend.BLOCK;
import static dev.paralelo.kernel.KernelBackend.DOT;
import static dev.paralelo.kernel.KernelBackend.FAST;
import static dev.paralelo.kernel.KernelBackend.MAX;
import static dev.paralelo.kernel.KernelBackend.MEAN;
import static dev.paralelo.kernel.KernelBackend.MIN;
import static dev.paralelo.kernel.KernelBackend.SUM;
import static dev.paralelo.kernel.KernelBackend.VAR;
import static dev.paralelo.kernel.States.CENTERED_CENTER;
import static dev.paralelo.kernel.States.CENTERED_COUNT;
import static dev.paralelo.kernel.States.EXTREMUM_DTYPE;
import static dev.paralelo.kernel.States.EXTREMUM_NAN;
import static dev.paralelo.kernel.States.EXTREMUM_OP;
import static dev.paralelo.kernel.States.EXTREMUM_VALUE;
import static dev.paralelo.kernel.States.MOMENTS_COUNT;
import static dev.paralelo.kernel.States.MOMENTS_SUM;
import static dev.paralelo.kernel.States.MOMENTS_SUMSQ;

import dev.paralelo.internal.ffi.ParaleloLib;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reductions: the block partition, the one "for blocks, then merge" loop, and finishes; twin of
 * {@code native/src/reduce.c}.
 *
 * <p>Every reduction is a partial state ({@link States}): {@link #overBlocks} gives each thread
 * a part of the block partition, lets it accumulate its part into a private identity, and
 * merges the private states into the caller's. Merges are exact, associative and commutative,
 * so neither the thread count nor the merge order can change a bit.
 */
public final class Reductions {
    private Reductions() {}

    /**
     * The block partition ({@code pl_partition}): part {@code index} of {@code parts} of
     * [0, n) as {lo, hi}, whole blocks, part i holding blocks [B*i/parts, B*(i+1)/parts) with
     * B = ceil(n / BLOCK). The only place in Java that knows this rule.
     */
    public static long[] partition(long n, int parts, int index) {
        if (n < 0 || n > States.MAX_COUNT || parts < 1 || index < 0 || index >= parts) {
            throw new IllegalArgumentException("no part " + index + " of " + parts + " of " + n + " elements"
                    + (n > States.MAX_COUNT ? " (no array holds more than 2^62)" : ""));
        }
        long blocks = n / BLOCK + (n % BLOCK != 0 ? 1 : 0);
        // floor(blocks * i / parts) without overflow: blocks = q * parts + r.
        long q = blocks / parts, r = blocks % parts;
        long b0 = q * index + r * index / parts, b1 = q * (index + 1) + r * (index + 1) / parts;
        return new long[] {b0 < blocks ? b0 * BLOCK : n, b1 < blocks ? b1 * BLOCK : n};
    }

    /** What a range kernel needs besides the range and the state ({@code job}). */
    private record Job(RangeKernelSet k, int dtype, int op, int mode, MemorySegment x, MemorySegment y) {}

    /** Runs the range kernel of the job's reduction over [lo, hi), into state ({@code accumulate}). */
    private static void accumulate(Job j, int kind, long lo, long hi, long[] state) {
        switch (kind) {
            case PL_STATE_SUM -> {
                if (j.op == DOT) j.k.dot(j.dtype, j.mode, j.x, j.y, lo, hi, state);
                else j.k.sum(j.dtype, j.mode, j.x, lo, hi, state);
            }
            case PL_STATE_INTEGER -> {
                if (j.op == DOT) j.k.integerDot(j.dtype, j.x, j.y, lo, hi, state, 0);
                else j.k.integerSum(j.dtype, j.x, lo, hi, state, 0);
            }
            case PL_STATE_EXTREMUM -> j.k.extremum(j.dtype, j.x, lo, hi, state);
            case PL_STATE_CENTERED -> {
                if (Double.isFinite(Double.longBitsToDouble(state[CENTERED_CENTER]))) {
                    j.k.centered(j.dtype, j.mode, j.x, lo, hi, state);
                } else {
                    state[CENTERED_COUNT] += hi - lo; // no finite centre (a sample with an infinity or NaN): the variance is NaN
                }
            }
            default -> {
                for (long b = lo; b < hi; b += BLOCK) {
                    long e = Math.min(hi, b + BLOCK);
                    j.k.integerSum(j.dtype, j.x, b, e, state, MOMENTS_SUM);
                    j.k.integerDot(j.dtype, j.x, j.x, b, e, state, MOMENTS_SUMSQ);
                }
                state[MOMENTS_COUNT] += hi - lo;
            }
        }
    }

    /**
     * The one "for blocks, then merge" loop ({@code over_blocks}): [lo, hi) (lo block-aligned)
     * split by the block partition between threads, each part accumulated into a private
     * identity; the private states are merged in part order once all have ended.
     */
    private static void overBlocks(Job j, int kind, long lo, long hi, int threads, long[] state) {
        int t = javaTeamSize(threads, hi - lo);
        if (t == 1) {
            accumulate(j, kind, lo, hi, state);
            return;
        }
        long[][] mine = new long[t][];
        Parallel.run(t, id -> {
            long[] part = partition(hi - lo, t, id);
            long[] s = States.identityOf(kind, state);
            if (part[0] < part[1]) accumulate(j, kind, lo + part[0], lo + part[1], s);
            mine[id] = s;
        });
        for (long[] s : mine) States.merge(kind, state, s);
    }

    /** Elements a pure-Java kernel's thread must get (see {@link #javaTeamSize}). */
    static final long JAVA_MIN_PER_THREAD = 262_144;

    /**
     * The pure-Java kernels' team size: min(threads, n / 262,144), at least 1. Waking a parked
     * ForkJoinPool worker costs 20 to 30 µs on the 2-core VM this was measured on (the vector
     * sum of 2^17 elements: 51 GB/s on one thread, 25 on two), against 3.5 to 5 µs for an
     * OpenMP region then (0.9 for the C library's own team now), so a Java thread must get 262,144 elements to pay for itself.
     */
    static int javaTeamSize(int threads, long n) {
        long byWork = n / JAVA_MIN_PER_THREAD;
        if (threads <= 1 || byWork < 2) return 1;
        return (int) Math.min(byWork, threads);
    }

    /** A range a partial may cover: inside [0, n), each end on a block boundary or at n ({@code check_range}). */
    static void checkRange(long n, long lo, long hi) {
        if (lo < 0 || hi < lo || hi > n) {
            throw new IndexOutOfBoundsException("range [" + lo + ", " + hi + ") is not inside [0, " + n + ")");
        }
        if ((lo % BLOCK != 0 && lo != n) || (hi % BLOCK != 0 && hi != n)) {
            throw new IllegalArgumentException("range [" + lo + ", " + hi + ") of " + n + " elements is not block-aligned");
        }
    }

    /** Accumulates x[lo, hi) into a state made by {@link States#init} for (dtype, op) ({@code pl_partial}). */
    static void partial(RangeKernelSet k, int dtype, int op, MemorySegment x, MemorySegment y, long n, long lo, long hi, int mode,
            int threads, long[] state) {
        int kind = States.kind(dtype, op);
        checkRange(n, lo, hi);
        if (kind == PL_STATE_EXTREMUM && (state[EXTREMUM_DTYPE] != dtype || state[EXTREMUM_OP] != op)) {
            throw new IllegalArgumentException("the min/max state was made for another element type or operation");
        }
        Job j = new Job(k, dtype, op == MEAN ? SUM : op, mode, x, y);
        overBlocks(j, kind, lo, hi, y == null ? Parallel.shareable(threads, x) : Parallel.shareable(threads, x, y), state);
    }

    /**
     * Sum, or mean when {@code mean} is set, of a float array ({@code float_sum}): a single
     * block's partial rounded directly (and two fast blocks' values added, see
     * {@link RangeKernelSet#twoBlocks}); up to {@link FewSum#BLOCKS} blocks on one thread, their
     * partials summed exactly by {@link FewSum}; else the blocks' accumulator. A mean is that sum
     * / n, except that a finite sum past DBL_MAX gives its finite mean
     * ({@link ExactAccumulator#mean}); the first two ways never take such a sum.
     */
    static double floatSum(RangeKernelSet k, int dtype, MemorySegment x, long n, int mode, int threads, boolean mean) {
        if (mode == FAST && n <= SmallSum.MAX) { // one thread: far below JAVA_MIN_PER_THREAD
            double v = k.fastSmall(dtype, x, (int) n);
            if (!Double.isNaN(v)) return mean ? v / n : v; // 0/0 is NaN for an empty mean
        } else if (n <= BLOCK) {
            double[] out = SMALL_OUT.get();
            if (k.sumSmall(dtype, mode, x, (int) n, out)) {
                double s = out[0] + out[1];
                return mean ? s / n : s; // 0/0 is NaN for an empty mean
            }
        } else if (n <= (long) FewSum.BLOCKS * BLOCK && javaTeamSize(threads, n) == 1) {
            double s = FewSum.ofBlocks(k, dtype, mode, x, n);
            if (!Double.isNaN(s)) return mean ? s / n : s;
        }
        long[] acc = new long[ExactAccumulator.WORDS];
        overBlocks(new Job(k, dtype, SUM, mode, x, null), PL_STATE_SUM, 0, n, threads, acc);
        return mean ? ExactAccumulator.mean(acc, 0, n) : ExactAccumulator.round(acc, 0);
    }

    /** This thread's out-parameter of {@link RangeKernelSet#sumSmall}: a small sum allocates nothing (see {@link FewSum}). */
    private static final ThreadLocal<double[]> SMALL_OUT = ThreadLocal.withInitial(() -> new double[2]);

    /** The min or max state of x[0, n), n > 0: on one thread, this thread's array, to be read before its next call. */
    static long[] extremum(RangeKernelSet k, int dtype, int op, MemorySegment x, long n, int threads) {
        if (javaTeamSize(threads, n) == 1) {
            // One thread: this thread's state (no garbage per call, 104 B before), valid until its
            // next min or max; both callers read it at once.
            long[] st = States.reset(EXTREMUM_STATE.get(), dtype, op, 0);
            k.extremum(dtype, x, 0, n, st);
            return st;
        }
        long[] st = States.init(dtype, op, 0);
        overBlocks(new Job(k, dtype, op, 0, x, null), PL_STATE_EXTREMUM, 0, n, threads, st);
        return st;
    }

    /** This thread's state of a one-thread min or max ({@link #extremum}). */
    private static final ThreadLocal<long[]> EXTREMUM_STATE = ThreadLocal.withInitial(() -> new long[States.words(PL_STATE_EXTREMUM)]);

    /** The integer sum state of x[0, n). */
    static long[] integerSum(RangeKernelSet k, int dtype, MemorySegment x, long n, int threads) {
        long[] w = new long[WideInteger.WORDS];
        overBlocks(new Job(k, dtype, SUM, 0, x, null), PL_STATE_INTEGER, 0, n, threads, w);
        return w;
    }

    /** sum or mean of floats, min or max of floats, mean of integers ({@code pl_reduce}). */
    static double reduceDouble(RangeKernelSet k, int dtype, int op, MemorySegment x, long n, int mode, int threads) {
        threads = Parallel.shareable(threads, x);
        if (op == MIN || op == MAX) {
            long[] st = extremum(k, dtype, op, x, n, threads);
            return st[EXTREMUM_NAN] != 0 ? Double.NaN : Double.longBitsToDouble(st[EXTREMUM_VALUE]);
        }
        if (States.isFloat(dtype)) return floatSum(k, dtype, x, n, mode, threads, op == MEAN);
        return WideInteger.toDouble(integerSum(k, dtype, x, n, threads), 0) / n;
    }

    /** Integer sum, min or max ({@code pl_reduce}); ArithmeticException if a sum leaves a long. */
    static long reduceLong(RangeKernelSet k, int dtype, int op, MemorySegment x, long n, int threads) {
        threads = Parallel.shareable(threads, x);
        if (op == MIN || op == MAX) return extremum(k, dtype, op, x, n, threads)[EXTREMUM_VALUE];
        return WideInteger.toLongExact(integerSum(k, dtype, x, n, threads), 0, "sum");
    }

    /** Variance ({@code pl_variance}): floats around the sample's centre (twice when it misleads), integers in one exact phase. */
    static double variance(RangeKernelSet k, int dtype, MemorySegment x, long n, int ddof, int mode, int threads) {
        if (n - ddof <= 0) return Double.NaN; // numpy: no degrees of freedom left
        threads = Parallel.shareable(threads, x);
        if (!States.isFloat(dtype)) {
            long[] m = States.init(dtype, VAR, 0);
            overBlocks(new Job(k, dtype, VAR, mode, x, null), States.kind(dtype, VAR), 0, n, threads, m);
            return States.variance(States.kind(dtype, VAR), m, ddof);
        }
        // The sums of deviations from the sample's centre; again around a better one when that
        // centre proves far from the mean. Up to FewSum.BLOCKS blocks on one thread, without the
        // state's accumulators (FewSum.variance, the same bits).
        int t = threads;
        double c0 = varianceCenter(k, dtype, x, n);
        if (n <= (long) FewSum.BLOCKS * BLOCK && javaTeamSize(threads, n) == 1) {
            double v = FewSum.variance(k, dtype, mode, x, n, ddof, c0);
            if (!Double.isNaN(v)) return v;
        }
        // The job only here: made before the few-block path, it was 40 B of garbage per call
        // in the JVMs whose compilation of this method kept it (AllocationTest).
        Job j = new Job(k, dtype, VAR, mode, x, null);
        return States.centeredVariance(c0, center -> {
            long[] c = States.init(dtype, VAR, center);
            overBlocks(j, PL_STATE_CENTERED, 0, n, t, c);
            return c;
        }, ddof);
    }

    /** Elements in the float variance's sample of an array longer than a block ({@code PL_VARIANCE_SAMPLE}). */
    public static final int VARIANCE_SAMPLE = ParaleloLib.PL_VARIANCE_SAMPLE;

    /**
     * Index k of the float variance's sample of n elements ({@code pl_variance_center}): k itself
     * when n is at most a block (the sample is the whole array), else
     * floor((2k + 1) n / 2S), S = {@link #VARIANCE_SAMPLE}, computed without overflow.
     */
    public static long varianceSampleIndex(long n, int k) {
        if (n <= BLOCK) return k;
        long q = n / (2 * VARIANCE_SAMPLE), r = n % (2 * VARIANCE_SAMPLE);
        return (2L * k + 1) * q + ((2L * k + 1) * r >> Integer.numberOfTrailingZeros(2 * VARIANCE_SAMPLE));
    }

    /** Elements in the float variance's sample of n elements: n up to a block, else {@link #VARIANCE_SAMPLE}. */
    public static int varianceSampleSize(long n) {
        return n <= BLOCK ? (int) n : VARIANCE_SAMPLE;
    }

    /**
     * The centre of the float variance of x[0, n) ({@code pl_variance_center}): the accurate mean
     * of its sample, an array of x's type (x itself when n is at most a block).
     */
    static double varianceCenter(RangeKernelSet k, int dtype, MemorySegment x, long n) {
        if (n <= BLOCK) return floatSum(k, dtype, x, n, ACCURATE, 1, true);
        MemorySegment sample = SAMPLE.get();
        if (dtype == ParaleloLib.PL_F64) {
            for (int i = 0; i < VARIANCE_SAMPLE; i++) {
                sample.setAtIndex(ValueLayout.JAVA_DOUBLE, i, x.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, varianceSampleIndex(n, i)));
            }
        } else {
            for (int i = 0; i < VARIANCE_SAMPLE; i++) {
                sample.setAtIndex(ValueLayout.JAVA_FLOAT, i, x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, varianceSampleIndex(n, i)));
            }
        }
        return floatSum(k, dtype, sample, VARIANCE_SAMPLE, ACCURATE, 1, true);
    }

    /**
     * This thread's room for a variance's sample, off-heap (the Vector API kernels read heap
     * segments through a copy): no garbage per call.
     */
    private static final ThreadLocal<MemorySegment> SAMPLE =
            ThreadLocal.withInitial(() -> java.lang.foreign.Arena.ofAuto().allocate((long) VARIANCE_SAMPLE * Double.BYTES, 64));

    /** Float dot ({@code pl_dot}). */
    static double dotDouble(RangeKernelSet k, int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads) {
        // Up to FewSum.BLOCKS blocks on one thread, the blocks' partials summed exactly by FewSum
        // (one block: its hi and lo), as dot_work does: the accumulator's bits without its cost.
        if (n <= (long) FewSum.BLOCKS * BLOCK && javaTeamSize(threads, n) == 1) {
            double s = FewSum.ofDotBlocks(k, dtype, mode, x, y, n);
            if (!Double.isNaN(s)) return s;
        }
        long[] acc = new long[ExactAccumulator.WORDS];
        overBlocks(new Job(k, dtype, DOT, mode, x, y), PL_STATE_SUM, 0, n, Parallel.shareable(threads, x, y), acc);
        return ExactAccumulator.round(acc, 0);
    }

    /** Exact integer dot ({@code pl_dot}); ArithmeticException only if the final value leaves a long. */
    static long dotLong(RangeKernelSet k, int dtype, MemorySegment x, MemorySegment y, long n, int threads) {
        long[] w = new long[WideInteger.WORDS];
        overBlocks(new Job(k, dtype, DOT, 0, x, y), PL_STATE_INTEGER, 0, n, Parallel.shareable(threads, x, y), w);
        return WideInteger.toLongExact(w, 0, "dot");
    }
}
