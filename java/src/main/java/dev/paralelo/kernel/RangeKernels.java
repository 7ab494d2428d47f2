package dev.paralelo.kernel;

import static dev.paralelo.kernel.KernelBackend.ACCURATE;
import static dev.paralelo.kernel.KernelBackend.ADD;
import static dev.paralelo.kernel.KernelBackend.BLOCK;
import static dev.paralelo.kernel.KernelBackend.F32;
import static dev.paralelo.kernel.KernelBackend.F64;
import static dev.paralelo.kernel.KernelBackend.FAST;
import static dev.paralelo.kernel.KernelBackend.FAST_LANES;
import static dev.paralelo.kernel.KernelBackend.I32;
import static dev.paralelo.kernel.KernelBackend.I64;
import static dev.paralelo.kernel.KernelBackend.LANES;
import static dev.paralelo.kernel.KernelBackend.MIN;
import static dev.paralelo.kernel.KernelBackend.SUB;
import static dev.paralelo.kernel.States.CENTERED_CENTER;
import static dev.paralelo.kernel.States.CENTERED_COUNT;
import static dev.paralelo.kernel.States.CENTERED_DEV;
import static dev.paralelo.kernel.States.CENTERED_SQ;
import static dev.paralelo.kernel.States.EXTREMUM_COUNT;
import static dev.paralelo.kernel.States.EXTREMUM_INDEX;
import static dev.paralelo.kernel.States.EXTREMUM_NAN;
import static dev.paralelo.kernel.States.EXTREMUM_OP;
import static dev.paralelo.kernel.States.EXTREMUM_VALUE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * Single-threaded range kernels, twin of {@code native/src/impl.c}: the same functions, in the
 * same order, with the same operations, so every result has the C library's bits. Java
 * arithmetic on doubles is IEEE with no fused multiply-add unless {@link Math#fma} is called,
 * which is exactly the C library's {@code -ffp-contract=off} contract. Where impl.c holds the
 * 8 lanes in SIMD registers, this class holds them in arrays (or locals): lane l of a block
 * takes elements l, l + 8, ... in both.
 *
 * <p>A range kernel accumulates x[lo, hi) into a state (see {@link States}); lo is a multiple
 * of {@link KernelBackend#BLOCK} counted from x.
 */
final class RangeKernels {
    private RangeKernels() {}

    // ---- element access ---------------------------------------------------------------

    /** Element i of a float array, widened to double ({@code elem_as_f64}). */
    static double element(int dtype, MemorySegment x, long i) {
        return dtype == F64 ? x.getAtIndex(JAVA_DOUBLE_UNALIGNED, i) : x.getAtIndex(JAVA_FLOAT_UNALIGNED, i);
    }

    /** Element i of an integer array ({@code elem_i64}); a mapped i32 array's through {@link #mappedI32}. */
    static long integer(int dtype, MemorySegment x, long i) {
        return dtype == I64 ? x.getAtIndex(JAVA_LONG_UNALIGNED, i)
                : x.isMapped() ? mappedI32(x, i) : x.getAtIndex(JAVA_INT_UNALIGNED, i);
    }

    /*
     * Mapped i32 arrays. A load of an int that the JIT widens to a long in the same instruction
     * (movslq from memory, x86-64) cannot be recovered by the JVM (25.0.3) when it faults on a
     * page that another process truncated away: its SIGBUS handler fails to decode the
     * instruction and the JVM dies ("Internal Error (assembler_x86.cpp) ShouldNotReachHere()" in
     * Assembler::locate_operand). Which loops compile to it depends on their shape: a min of
     * ints widened to longs did, a plain sum (vectorized) did not. So every i32 element a kernel
     * reads from a mapped segment as a long is the high half of the 8 bytes that end with it (an
     * arithmetic shift: sign-extended), a 64-bit load the handler decodes; the first element is
     * the low half of the first 8 bytes, and an array of one element is copied out (a copy's
     * fault is the JVM's InternalError). MappedTruncationTest truncates files under the i32
     * kernels of all three implementations.
     */

    /** Element i of a mapped i32 segment, sign-extended, with no load the JVM cannot recover (see above). */
    static long mappedI32(MemorySegment x, long i) {
        if (i > 0) return x.get(JAVA_LONG_UNALIGNED, 4 * i - 4) >> 32;
        if (x.byteSize() >= 8) return x.get(JAVA_LONG_UNALIGNED, 0) << 32 >> 32;
        int[] one = new int[1];
        MemorySegment.copy(x, JAVA_INT_UNALIGNED, 0, one, 0, 1);
        return one[0];
    }

    // ---- lanes and folds ----------------------------------------------------------------

    static boolean finite(double[] s, double[] c) {
        for (int l = 0; l < LANES; l++) if (!Double.isFinite(s[l]) || !Double.isFinite(c[l])) return false;
        return true;
    }

    /**
     * A block's partial ({@code fold}): accurate mode folds the 8 lanes by a pairwise tree of
     * TwoSums (low parts added to each pair's error); fast mode sums the lane sums in the same
     * fixed tree. Writes hi and lo to out[0], out[1].
     */
    static void fold(int mode, double[] s, double[] c, double[] out) {
        if (mode == FAST) {
            out[0] = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
            out[1] = 0;
            return;
        }
        // Level by level, pairs (0,1) (2,3) (4,5) (6,7), then (01,23) (45,67), then the last pair;
        // written out so a fold allocates nothing (it runs once per block and once per slice).
        double h0 = s[0] + s[1], h1 = s[2] + s[3], h2 = s[4] + s[5], h3 = s[6] + s[7];
        double l0 = (c[0] + c[1]) + twoSumError(s[0], s[1], h0), l1 = (c[2] + c[3]) + twoSumError(s[2], s[3], h1);
        double l2 = (c[4] + c[5]) + twoSumError(s[4], s[5], h2), l3 = (c[6] + c[7]) + twoSumError(s[6], s[7], h3);
        double g0 = h0 + h1, g1 = h2 + h3;
        double m0 = (l0 + l1) + twoSumError(h0, h1, g0), m1 = (l2 + l3) + twoSumError(h2, h3, g1);
        double hi = g0 + g1;
        out[0] = hi;
        out[1] = (m0 + m1) + twoSumError(g0, g1, hi);
    }

    /** The exact error of t = a + b (TwoSum's second half, as impl.c computes it). */
    private static double twoSumError(double a, double b, double t) {
        double z = t - a;
        return (a - (t - z)) + (b - z);
    }

    /**
     * The 32 lane sums added in a fixed pairwise tree ({@code tree32}): at every level, lane 2j
     * plus lane 2j + 1. Written as expressions, whose 31 additions the CPU overlaps: the loop
     * that added the levels in place in l, each through memory, took 18-22 ns of a small fast
     * sum's 35-40, this 6 (Zen 5, JDK 25).
     */
    static double tree32(double[] l) {
        Objects.checkIndex(FAST_LANES - 1, l.length);
        return (tree8(l, 0) + tree8(l, 8)) + (tree8(l, 16) + tree8(l, 24));
    }

    /** The first three levels of {@link #tree32} over lanes [o, o + 8). */
    private static double tree8(double[] l, int o) {
        return ((l[o] + l[o + 1]) + (l[o + 2] + l[o + 3])) + ((l[o + 4] + l[o + 5]) + (l[o + 6] + l[o + 7]));
    }

    /** A fast-mode block of a sum (y == null) or a dot: lane j takes elements j, j+32, ... */
    static double fastBlock(int dtype, MemorySegment x, MemorySegment y, long b, int len, double[] l) {
        Arrays.fill(l, 0);
        int i = 0;
        // Whole rows of 32: lane j += element j of the row, a loop the JIT can vectorise across
        // lanes without changing any lane's order of additions.
        if (y == null && dtype == F64) {
            for (; i + FAST_LANES <= len; i += FAST_LANES) {
                long o = b + i;
                for (int j = 0; j < FAST_LANES; j++) l[j] += x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + j);
            }
        } else if (y == null && dtype == F32) {
            for (; i + FAST_LANES <= len; i += FAST_LANES) {
                long o = b + i;
                for (int j = 0; j < FAST_LANES; j++) l[j] += x.getAtIndex(JAVA_FLOAT_UNALIGNED, o + j);
            }
        } else if (dtype == F64) {
            for (; i + FAST_LANES <= len; i += FAST_LANES) {
                long o = b + i;
                for (int j = 0; j < FAST_LANES; j++) {
                    l[j] += x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + j) * y.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + j);
                }
            }
        }
        for (; i < len; i++) { // the rest (and the kernels without a row loop), lane i % 32
            l[i & (FAST_LANES - 1)] += y == null ? element(dtype, x, b + i) : element(dtype, x, b + i) * element(dtype, y, b + i);
        }
        return tree32(l);
    }

    /**
     * A fast-mode block of a sum (y == null) or a dot into acc ({@code fast_block_to_acc}): its
     * value, or, when that is not finite, its terms one by one, exactly.
     */
    private static void fastBlockToAcc(int dtype, MemorySegment x, MemorySegment y, long b, int len, double[] l, long[] acc) {
        blockValueToAcc(dtype, x, y, b, len, fastBlock(dtype, x, y, b, len, l), acc);
    }

    /**
     * A fast-mode block's value into acc, or, when it is not finite, the block's terms exactly
     * (a dot's exact products: one that overflows, or cancels one that does, is still exact).
     */
    static void blockValueToAcc(int dtype, MemorySegment x, MemorySegment y, long b, int len, double v, long[] acc) {
        if (Double.isFinite(v)) {
            ExactAccumulator.add(acc, 0, v);
            return;
        }
        if (y == null) {
            for (int i = 0; i < len; i++) ExactAccumulator.add(acc, 0, element(dtype, x, b + i));
        } else {
            exactProducts(dtype, x, y, b, len, acc);
        }
    }

    /** The block's exact products, one by one, into acc (a dot block's exact path). */
    static void exactProducts(int dtype, MemorySegment x, MemorySegment y, long b, int len, long[] acc) {
        for (int i = 0; i < len; i++) ExactAccumulator.addProduct(acc, 0, element(dtype, x, b + i), element(dtype, y, b + i));
    }

    /** Scale of both factors in the tiny-product test (impl.c {@code TINY_SCALE}). */
    static final double TINY_SCALE = 0x1p553;
    /** Bound of the scaled product in that test ({@code TINY_W}). */
    static final double TINY_W = 0x1p138;

    /**
     * Whether u * v is a tiny product ({@code tiny_product}): 0 &lt; |u v| &lt; 2^-968, where Dot2's
     * error term fma(u, v, -p) may be rounded, tested as impl.c's lanes test it, on
     * w = (u 2^553)(v 2^553): a zero factor gives 0 or NaN, a larger product 2^138 or more.
     */
    static boolean tinyProduct(double u, double v) {
        return tinyKey(u, v) < TINY_KEY_BOUND;
    }

    /**
     * The tiny-product test as an ordered key, for a minimum over a block: |w|'s bits plus
     * 2^63 - 1, wrapping, which sends w = 0 to the largest long and the smallest nonzero |w| to
     * the smallest, so key &lt; TINY_KEY_BOUND exactly when 0 &lt; |w| &lt; 2^138 (NaN and
     * infinity are above it).
     */
    static long tinyKey(double u, double v) {
        double w = (u * TINY_SCALE) * (v * TINY_SCALE);
        return (Double.doubleToRawLongBits(w) & Long.MAX_VALUE) + Long.MAX_VALUE;
    }

    /** {@link #tinyKey} of the smallest |w| that is not tiny, 2^138. */
    static final long TINY_KEY_BOUND = Long.MIN_VALUE + Double.doubleToRawLongBits(TINY_W) - 1;

    /** Folds and adds the partial to acc; false (nothing added) if lanes or partial are not finite. */
    static boolean foldToAcc(long[] acc, int at, int mode, double[] s, double[] c, double[] tmp) {
        if (!finite(s, c)) return false;
        fold(mode, s, c, tmp);
        if (!Double.isFinite(tmp[0]) || !Double.isFinite(tmp[1])) return false;
        ExactAccumulator.add(acc, at, tmp[0]);
        ExactAccumulator.add(acc, at, tmp[1]);
        return true;
    }

    /** The lanes of one block of a float sum: lane l takes elements l, l+8, ... ({@code sum_lanes}). */
    private static void sumLanes(int dtype, int mode, MemorySegment x, long b, int len, double[] s, double[] c) {
        if (dtype == F64 && mode == ACCURATE) {
            lanesF64(x, b, len, s, c);
            return;
        }
        Arrays.fill(s, 0);
        Arrays.fill(c, 0);
        if (mode == ACCURATE) {
            for (int i = 0; i < len; i++) {
                int j = i & (LANES - 1);
                double v = element(dtype, x, b + i), sj = s[j];
                double t = sj + v;
                double z = t - sj;
                c[j] += (sj - (t - z)) + (v - z);
                s[j] = t;
            }
        } else {
            for (int i = 0; i < len; i++) s[i & (LANES - 1)] += element(dtype, x, b + i);
        }
    }

    /** The accurate f64 lanes with the lanes in locals, the hot path of the pure-Java sum. */
    private static void lanesF64(MemorySegment x, long b, int len, double[] s, double[] c) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        double c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
        int i = 0;
        for (; i + LANES <= len; i += LANES) {
            long o = b + i;
            double v, t, z;
            v = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o); t = s0 + v; z = t - s0; c0 += (s0 - (t - z)) + (v - z); s0 = t;
            v = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 1); t = s1 + v; z = t - s1; c1 += (s1 - (t - z)) + (v - z); s1 = t;
            v = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 2); t = s2 + v; z = t - s2; c2 += (s2 - (t - z)) + (v - z); s2 = t;
            v = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 3); t = s3 + v; z = t - s3; c3 += (s3 - (t - z)) + (v - z); s3 = t;
            v = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 4); t = s4 + v; z = t - s4; c4 += (s4 - (t - z)) + (v - z); s4 = t;
            v = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 5); t = s5 + v; z = t - s5; c5 += (s5 - (t - z)) + (v - z); s5 = t;
            v = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 6); t = s6 + v; z = t - s6; c6 += (s6 - (t - z)) + (v - z); s6 = t;
            v = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 7); t = s7 + v; z = t - s7; c7 += (s7 - (t - z)) + (v - z); s7 = t;
        }
        s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3; s[4] = s4; s[5] = s5; s[6] = s6; s[7] = s7;
        c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3; c[4] = c4; c[5] = c5; c[6] = c6; c[7] = c7;
        for (int j = 0; i < len; i++, j++) {
            double v = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, b + i), sj = s[j];
            double t = sj + v, z = t - sj;
            c[j] += (sj - (t - z)) + (v - z);
            s[j] = t;
        }
    }

    /**
     * The accurate f64 dot lanes with the lanes in locals (Dot2: TwoSum of p = u v, its exact
     * error fma(u, v, -p) into the compensation), the hot path of the pure-Java dot; returns
     * the minimum {@link #tinyKey} of the block's products.
     */
    private static long dotLanesF64(MemorySegment x, MemorySegment y, long b, int len, double[] s, double[] c) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        double c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
        long least = Long.MAX_VALUE;
        int i = 0;
        for (; i + LANES <= len; i += LANES) {
            long o = b + i;
            double u, v, p, t, z;
            u = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o); v = y.getAtIndex(JAVA_DOUBLE_UNALIGNED, o); p = u * v;
            t = s0 + p; z = t - s0; c0 += (s0 - (t - z)) + (p - z); c0 += Math.fma(u, v, -p); s0 = t; least = Math.min(least, tinyKey(u, v));
            u = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 1); v = y.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 1); p = u * v;
            t = s1 + p; z = t - s1; c1 += (s1 - (t - z)) + (p - z); c1 += Math.fma(u, v, -p); s1 = t; least = Math.min(least, tinyKey(u, v));
            u = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 2); v = y.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 2); p = u * v;
            t = s2 + p; z = t - s2; c2 += (s2 - (t - z)) + (p - z); c2 += Math.fma(u, v, -p); s2 = t; least = Math.min(least, tinyKey(u, v));
            u = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 3); v = y.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 3); p = u * v;
            t = s3 + p; z = t - s3; c3 += (s3 - (t - z)) + (p - z); c3 += Math.fma(u, v, -p); s3 = t; least = Math.min(least, tinyKey(u, v));
            u = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 4); v = y.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 4); p = u * v;
            t = s4 + p; z = t - s4; c4 += (s4 - (t - z)) + (p - z); c4 += Math.fma(u, v, -p); s4 = t; least = Math.min(least, tinyKey(u, v));
            u = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 5); v = y.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 5); p = u * v;
            t = s5 + p; z = t - s5; c5 += (s5 - (t - z)) + (p - z); c5 += Math.fma(u, v, -p); s5 = t; least = Math.min(least, tinyKey(u, v));
            u = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 6); v = y.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 6); p = u * v;
            t = s6 + p; z = t - s6; c6 += (s6 - (t - z)) + (p - z); c6 += Math.fma(u, v, -p); s6 = t; least = Math.min(least, tinyKey(u, v));
            u = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 7); v = y.getAtIndex(JAVA_DOUBLE_UNALIGNED, o + 7); p = u * v;
            t = s7 + p; z = t - s7; c7 += (s7 - (t - z)) + (p - z); c7 += Math.fma(u, v, -p); s7 = t; least = Math.min(least, tinyKey(u, v));
        }
        s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3; s[4] = s4; s[5] = s5; s[6] = s6; s[7] = s7;
        c[0] = c0; c[1] = c1; c[2] = c2; c[3] = c3; c[4] = c4; c[5] = c5; c[6] = c6; c[7] = c7;
        for (int j = 0; i < len; i++, j++) {
            double u = x.getAtIndex(JAVA_DOUBLE_UNALIGNED, b + i), v = y.getAtIndex(JAVA_DOUBLE_UNALIGNED, b + i), p = u * v;
            double t = s[j] + p, z = t - s[j];
            c[j] += (s[j] - (t - z)) + (p - z);
            c[j] += Math.fma(u, v, -p);
            s[j] = t;
            least = Math.min(least, tinyKey(u, v));
        }
        return least;
    }

    // ---- float sums and dots --------------------------------------------------------------

    /** Float sum of [lo, hi): each block's partial added to acc ({@code k_sum}). */
    static void sum(int dtype, int mode, MemorySegment x, long lo, long hi, long[] acc) {
        double[] s = new double[LANES], c = new double[LANES], tmp = new double[2], l = new double[FAST_LANES];
        for (long b = lo; b < hi; b += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b);
            if (mode == FAST) {
                fastBlockToAcc(dtype, x, null, b, len, l, acc);
                continue;
            }
            sumLanes(dtype, mode, x, b, len, s, c);
            if (!foldToAcc(acc, 0, mode, s, c, tmp)) {
                // An infinity, a NaN or an overflow inside a lane: this block's terms go in exactly.
                for (int i = 0; i < len; i++) ExactAccumulator.add(acc, 0, element(dtype, x, b + i));
            }
        }
    }

    /**
     * The partial of the float block [b, b + len) without the accumulator ({@code k_sum_small}
     * for a block at b): out[0], out[1] = hi, lo, what the block adds to an accumulator (hi + lo
     * is its exact sum rounded once); false when the partial is not finite.
     */
    static boolean blockPair(int dtype, int mode, MemorySegment x, long b, int len, double[] out) {
        double[][] lanes = scratch();
        if (mode == FAST) {
            double v = fastBlock(dtype, x, null, b, len, lanes[0]);
            out[0] = v + 0.0;
            out[1] = 0.0;
            return Double.isFinite(v);
        }
        double[] s = lanes[1], c = lanes[2];
        sumLanes(dtype, mode, x, b, len, s, c);
        if (!finite(s, c)) return false;
        fold(mode, s, c, out);
        return Double.isFinite(out[0]) && Double.isFinite(out[1]);
    }

    /**
     * The lane arrays of one-block and few-block sums, per thread: fast lanes, then accurate
     * sums and compensations, then a block's pair ({@link RangeKernelSet#sumPairs}); then the
     * centred sums' lanes of a few-block variance ({@link RangeKernelSet#centeredPairs}: sums and
     * compensations of d*d, then of d, then the two block pairs). The kernels write every lane
     * before reading it. So a small sum or variance allocates nothing (see FewSum).
     */
    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[][] {
        new double[FAST_LANES], new double[LANES], new double[LANES], new double[2],
        new double[LANES], new double[LANES], new double[LANES], new double[LANES], new double[2], new double[2]});

    /** Where the centred lanes begin in {@link #scratch}. */
    static final int CENTERED_SCRATCH = 4;

    /** This thread's lane arrays: see {@link #SCRATCH}. */
    static double[][] scratch() {
        return SCRATCH.get();
    }

    /**
     * Dot of [lo, hi) into acc ({@code k_dot}). Accurate mode is Ogita-Rump-Oishi Dot2 in lanes:
     * p = x*y rounded, e = x*y - p exactly by a fused multiply-add, p goes through TwoSum and e
     * joins the compensation. f32 products are exact in double, so e is 0 and skipped. A block
     * with a tiny product ({@link #tinyProduct}: e may be rounded) or lanes that are not finite
     * adds its exact products instead.
     */
    static void dot(int dtype, int mode, MemorySegment x, MemorySegment y, long lo, long hi, long[] acc) {
        double[] s = new double[LANES], c = new double[LANES], pair = new double[2], l = new double[FAST_LANES];
        for (long b = lo; b < hi; b += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b);
            if (dotPair(dtype, mode, x, y, b, len, s, c, l, pair)) {
                ExactAccumulator.add(acc, 0, pair[0]);
                if (mode != FAST) ExactAccumulator.add(acc, 0, pair[1]);
            } else {
                exactProducts(dtype, x, y, b, len, acc);
            }
        }
    }

    /**
     * The partial of the dot block [b, b + len) ({@code dot_block_pair}), hi and lo into out
     * (fast mode: its value and 0), as {@link #dot} adds it to an accumulator; false when the
     * block takes its exact products instead: a tiny product, or lanes or a partial that are not
     * finite. Fast mode uses the lanes l, accurate mode s and c.
     */
    static boolean dotPair(int dtype, int mode, MemorySegment x, MemorySegment y, long b, int len, double[] s, double[] c,
            double[] l, double[] out) {
        if (mode == FAST) {
            double v = fastBlock(dtype, x, y, b, len, l);
            out[0] = v;
            out[1] = 0.0;
            return Double.isFinite(v);
        }
        long least = Long.MAX_VALUE; // the tiny-product test's minimum key
        if (dtype == F64) {
            least = dotLanesF64(x, y, b, len, s, c);
        } else {
            Arrays.fill(s, 0);
            Arrays.fill(c, 0);
            for (int i = 0; i < len; i++) {
                int j = i & (LANES - 1);
                double p = element(dtype, x, b + i) * element(dtype, y, b + i);
                double s0 = s[j], t = s0 + p, z = t - s0;
                c[j] += (s0 - (t - z)) + (p - z);
                s[j] = t;
            }
        }
        if (least < TINY_KEY_BOUND || !finite(s, c)) return false;
        fold(mode, s, c, out);
        return Double.isFinite(out[0]) && Double.isFinite(out[1]);
    }

    /**
     * The partials of the dot blocks of [lo, hi) (lo block-aligned, a few blocks) as {@link #dot}
     * computes them, hi and lo per block into pairs ({@code k_dot_pairs}); false when a block
     * takes its exact products (the caller then takes the accumulator). Allocates nothing.
     */
    static boolean dotPairs(int dtype, int mode, MemorySegment x, MemorySegment y, long lo, long hi, double[] pairs) {
        double[][] lanes = scratch();
        double[] l = lanes[0], s = lanes[1], c = lanes[2], pair = lanes[3];
        for (long b = lo; b < hi; b += BLOCK) {
            int at = (int) (2 * ((b - lo) / BLOCK));
            if (!dotPair(dtype, mode, x, y, b, (int) Math.min(BLOCK, hi - b), s, c, l, pair)) return false;
            pairs[at] = pair[0];
            pairs[at + 1] = pair[1];
        }
        return true;
    }

    /** Float variance, the centred pass: lanes of sum(d*d) and sum(d), d = x - center ({@code k_centered}). */
    static void centered(int dtype, int mode, MemorySegment x, long lo, long hi, long[] st) {
        double center = Double.longBitsToDouble(st[CENTERED_CENTER]);
        double[][] lanes = scratch();
        double[] sq = lanes[CENTERED_SCRATCH], cq = lanes[CENTERED_SCRATCH + 1], sd = lanes[CENTERED_SCRATCH + 2],
                cd = lanes[CENTERED_SCRATCH + 3], fq = lanes[CENTERED_SCRATCH + 4], fd = lanes[CENTERED_SCRATCH + 5];
        for (long b = lo; b < hi; b += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b);
            if (centeredPair(dtype, mode, x, b, len, center, sq, cq, sd, cd, fq, fd)) {
                ExactAccumulator.add(st, CENTERED_SQ, fq[0]);
                ExactAccumulator.add(st, CENTERED_SQ, fq[1]);
                ExactAccumulator.add(st, CENTERED_DEV, fd[0]);
                ExactAccumulator.add(st, CENTERED_DEV, fd[1]);
            } else {
                exactDeviations(dtype, x, b, len, center, st);
            }
        }
        st[CENTERED_COUNT] += hi - lo;
    }

    /**
     * The centred block [b, b + len) folded, as {@link #centered} adds it: hi and lo of sum(d*d)
     * into fq, of sum(d) into fd; false when they are not finite (the block's exact path). The
     * lane arrays are the caller's.
     */
    static boolean centeredPair(int dtype, int mode, MemorySegment x, long b, int len, double center, double[] sq, double[] cq,
            double[] sd, double[] cd, double[] fq, double[] fd) {
        Arrays.fill(sq, 0);
        Arrays.fill(cq, 0);
        Arrays.fill(sd, 0);
        Arrays.fill(cd, 0);
        for (int i = 0; i < len; i++) {
            int j = i & (LANES - 1);
            double dv = element(dtype, x, b + i) - center;
            double qv = dv * dv;
            if (mode == ACCURATE) {
                double s0 = sq[j], t = s0 + qv, z = t - s0;
                cq[j] += (s0 - (t - z)) + (qv - z);
                sq[j] = t;
                s0 = sd[j];
                t = s0 + dv;
                z = t - s0;
                cd[j] += (s0 - (t - z)) + (dv - z);
                sd[j] = t;
            } else {
                sq[j] += qv;
                sd[j] += dv;
            }
        }
        return foldCentered(mode, sq, cq, sd, cd, fq, fd);
    }

    /** Folds centred lanes into fq and fd; false when lanes or folds are not finite. */
    static boolean foldCentered(int mode, double[] sq, double[] cq, double[] sd, double[] cd, double[] fq, double[] fd) {
        if (!finite(sq, cq) || !finite(sd, cd)) return false;
        fold(mode, sq, cq, fq);
        fold(mode, sd, cd, fd);
        return Double.isFinite(fq[0]) && Double.isFinite(fq[1]) && Double.isFinite(fd[0]) && Double.isFinite(fd[1]);
    }

    /**
     * The centred partials of the blocks of [lo, hi) (lo block-aligned, a few blocks) as
     * {@link #centered} adds them ({@code k_centered_pairs}): hi and lo of sum(d*d) per block
     * into q, of sum(d) into d; false when a block's are not finite.
     */
    static boolean centeredPairs(int dtype, int mode, MemorySegment x, long lo, long hi, double center, double[] q, double[] d) {
        double[][] lanes = scratch();
        double[] sq = lanes[CENTERED_SCRATCH], cq = lanes[CENTERED_SCRATCH + 1], sd = lanes[CENTERED_SCRATCH + 2],
                cd = lanes[CENTERED_SCRATCH + 3], fq = lanes[CENTERED_SCRATCH + 4], fd = lanes[CENTERED_SCRATCH + 5];
        for (long b = lo; b < hi; b += BLOCK) {
            int at = (int) (2 * ((b - lo) / BLOCK));
            if (!centeredPair(dtype, mode, x, b, (int) Math.min(BLOCK, hi - b), center, sq, cq, sd, cd, fq, fd)) return false;
            q[at] = fq[0];
            q[at + 1] = fq[1];
            d[at] = fd[0];
            d[at + 1] = fd[1];
        }
        return true;
    }

    /**
     * A block of the centred sums whose lanes are not finite, exactly ({@code centered_finish}):
     * x - c as x and -c, (x - c)^2 as x*x - 2*x*c + c*c (exact products), so that a finite
     * variance stays finite whatever its sums' size; a non-finite x adds its IEEE d and d*d.
     */
    static void exactDeviations(int dtype, MemorySegment x, long b, int len, double center, long[] st) {
        for (int i = 0; i < len; i++) {
            double v = element(dtype, x, b + i);
            if (Double.isFinite(v)) {
                ExactAccumulator.add(st, CENTERED_DEV, v);
                ExactAccumulator.add(st, CENTERED_DEV, -center);
                ExactAccumulator.addProduct(st, CENTERED_SQ, v, v);
                ExactAccumulator.addProduct(st, CENTERED_SQ, v, -center);
                ExactAccumulator.addProduct(st, CENTERED_SQ, v, -center);
                ExactAccumulator.addProduct(st, CENTERED_SQ, center, center);
            } else {
                double dv = v - center;
                ExactAccumulator.add(st, CENTERED_SQ, dv * dv);
                ExactAccumulator.add(st, CENTERED_DEV, dv);
            }
        }
    }

    // ---- min and max ------------------------------------------------------------------------

    /** The extreme of x[b, e) by comparisons, out[0] = whether a NaN is among them ({@code block_float_extreme}). */
    private static double blockFloatExtreme(int dtype, int op, MemorySegment x, long b, long e, boolean[] nan) {
        double r = element(dtype, x, b);
        boolean hasNan = r != r;
        for (long i = b + 1; i < e; i++) {
            double v = element(dtype, x, i);
            hasNan |= v != v;
            if (States.better(op, v, r)) r = v;
        }
        nan[0] = hasNan;
        return r;
    }

    /** Whether x[b, e) holds a zero of the sign a zero min (negative) or max (positive) takes. */
    private static boolean hasPreferredZero(int dtype, int op, MemorySegment x, long b, long e) {
        boolean wantNeg = op == MIN;
        for (long i = b; i < e; i++) {
            double v = element(dtype, x, i);
            if (v == 0 && (Double.doubleToRawLongBits(v) < 0) == wantNeg) return true;
        }
        return false;
    }

    /** The extreme of x[b, e) and whether a NaN is among them: scalar here, SIMD in the vector set. */
    @FunctionalInterface
    interface BlockExtreme {
        double of(int dtype, int op, MemorySegment x, long b, long e, boolean[] nan);
    }

    /** The first NaN of [b, e) (nan) or else the first element equal to m, or -1: scalar here, SIMD in the vector set. */
    @FunctionalInterface
    interface FirstAt {
        long of(int dtype, MemorySegment x, long b, long e, boolean nan, double m);
    }

    private static final BlockExtreme BLOCK_EXTREME = RangeKernels::blockFloatExtreme;
    private static final FirstAt FIRST_AT = RangeKernels::floatFirstAt;

    private static void floatExtremum(int dtype, MemorySegment x, long lo, long hi, long[] st) {
        floatExtremum(dtype, x, lo, hi, st, BLOCK_EXTREME, FIRST_AT);
    }

    /** The first NaN of [b, e) (nan) or else the first element equal to m; -1 when none is: the block was written meanwhile ({@code float_first_at}). */
    static long floatFirstAt(int dtype, MemorySegment x, long b, long e, boolean nan, double m) {
        for (long i = b; i < e; i++) {
            double v = element(dtype, x, i);
            if (nan ? Double.isNaN(v) : v == m) return i;
        }
        return -1;
    }

    /** The block's extreme and its first index (at[0]), or its first NaN, in one pass ({@code float_extreme_at}). */
    private static double floatExtremeAt(int dtype, int op, MemorySegment x, long b, long e, boolean[] nan, long[] at) {
        double r = element(dtype, x, b);
        at[0] = b;
        nan[0] = Double.isNaN(r);
        for (long i = b + 1; i < e && !nan[0]; i++) {
            double v = element(dtype, x, i);
            if (Double.isNaN(v)) {
                nan[0] = true;
                at[0] = i;
                r = v;
            } else if (States.better(op, v, r)) {
                r = v;
                at[0] = i;
            }
        }
        return r;
    }

    /** A float extremum's out-parameters: a block's NaN flag and first index. */
    private static final class ExtremeScratch {
        final boolean[] nan = new boolean[1];
        final long[] at = new long[1];
    }

    /**
     * This thread's {@link ExtremeScratch}: made per call, they escaped into the block kernel's
     * call where the JIT did not inline it (24 B per call at 4097 doubles on the scalar kernels).
     */
    private static final ThreadLocal<ExtremeScratch> EXTREME_SCRATCH = ThreadLocal.withInitial(ExtremeScratch::new);

    /**
     * Min or max of [lo, hi) folded into st, a block at a time ({@code float_extremum}): only a
     * block that improves on the state (or ties it at a lower index: the state may hold later
     * elements) is scanned again for the first index of its extreme, in one pass with the value
     * when the block changed meanwhile; a NaN ends the range; the sign of a zero extreme is
     * settled as impl.c settles it.
     */
    static void floatExtremum(int dtype, MemorySegment x, long lo, long hi, long[] st, BlockExtreme extreme, FirstAt firstAt) {
        int op = (int) st[EXTREMUM_OP];
        boolean has = st[EXTREMUM_COUNT] > 0;
        double best = Double.longBitsToDouble(st[EXTREMUM_VALUE]);
        ExtremeScratch scratch = EXTREME_SCRATCH.get();
        boolean[] nan = scratch.nan;
        long[] at = scratch.at;
        for (long b = lo; b < hi && !(st[EXTREMUM_NAN] != 0 && st[EXTREMUM_INDEX] < b); b += BLOCK) {
            long e = Math.min(hi, b + BLOCK);
            double m = extreme.of(dtype, op, x, b, e, nan);
            if (st[EXTREMUM_NAN] != 0 && !nan[0]) continue; // the state's NaN, later in the array, stays the first
            if (nan[0] || !has || States.better(op, m, best) || (m == best && st[EXTREMUM_INDEX] > b)) {
                long i = firstAt.of(dtype, x, b, e, nan[0], m);
                if (i < 0) {
                    m = floatExtremeAt(dtype, op, x, b, e, nan, at);
                    i = at[0];
                }
                if (nan[0]) {
                    if (st[EXTREMUM_NAN] == 0 || i < st[EXTREMUM_INDEX]) st[EXTREMUM_INDEX] = i;
                    st[EXTREMUM_NAN] = 1;
                    best = Double.NaN;
                    continue;
                }
                if (st[EXTREMUM_NAN] != 0) continue;
                if (!has || States.better(op, m, best)) {
                    best = m;
                    st[EXTREMUM_INDEX] = i;
                    has = true;
                } else if (m == best) {
                    if (i < st[EXTREMUM_INDEX]) st[EXTREMUM_INDEX] = i;
                } else {
                    continue;
                }
            } else if (m != best) {
                continue;
            }
            if (best == 0 && (Double.doubleToRawLongBits(best) < 0) != (op == MIN) && hasPreferredZero(dtype, op, x, b, e)) {
                best = -best;
            }
        }
        st[EXTREMUM_VALUE] = Double.doubleToRawLongBits(best);
        st[EXTREMUM_COUNT] += hi - lo;
    }

    private static long blockIntExtreme(int dtype, int op, MemorySegment x, long b, long e) {
        long r = integer(dtype, x, b);
        for (long i = b + 1; i < e; i++) {
            long v = integer(dtype, x, i);
            if (op == MIN ? v < r : v > r) r = v;
        }
        return r;
    }

    /** As floatExtremum, for integers ({@code int_extremum}). */
    private static void intExtremum(int dtype, MemorySegment x, long lo, long hi, long[] st) {
        int op = (int) st[EXTREMUM_OP];
        boolean has = st[EXTREMUM_COUNT] > 0;
        for (long b = lo; b < hi; b += BLOCK) {
            long e = Math.min(hi, b + BLOCK);
            long m = blockIntExtreme(dtype, op, x, b, e);
            if (has && (op == MIN ? m > st[EXTREMUM_VALUE] : m < st[EXTREMUM_VALUE])) continue;
            if (has && m == st[EXTREMUM_VALUE] && st[EXTREMUM_INDEX] < b) continue;
            long i = b;
            while (i < e && integer(dtype, x, i) != m) i++;
            if (i == e) { // written meanwhile: the block again, value and index together
                i = b;
                m = integer(dtype, x, b);
                for (long k = b + 1; k < e; k++) {
                    long v = integer(dtype, x, k);
                    if (op == MIN ? v < m : v > m) {
                        m = v;
                        i = k;
                    }
                }
            }
            if (!has || (op == MIN ? m < st[EXTREMUM_VALUE] : m > st[EXTREMUM_VALUE])) {
                st[EXTREMUM_VALUE] = m;
                st[EXTREMUM_INDEX] = i;
                has = true;
            } else if (m == st[EXTREMUM_VALUE] && i < st[EXTREMUM_INDEX]) {
                st[EXTREMUM_INDEX] = i;
            }
        }
        st[EXTREMUM_COUNT] += hi - lo;
    }

    /** Min or max (the state's op) of [lo, hi) folded into st ({@code k_extremum}). */
    static void extremum(int dtype, MemorySegment x, long lo, long hi, long[] st) {
        if (dtype == F64 || dtype == F32) floatExtremum(dtype, x, lo, hi, st);
        else intExtremum(dtype, x, lo, hi, st);
    }

    // ---- exact integer sums and dots ----------------------------------------------------------

    /**
     * Exact integer sum of [lo, hi) into the 256-bit state at acc[at] ({@code k_integer_sum}):
     * each block's total (64 bits for i32; the high and low 32-bit halves of i64 terms summed
     * apart and recombined in 128 bits) goes into the state.
     */
    static void integerSum(int dtype, MemorySegment x, long lo, long hi, long[] acc, int at) {
        for (long b = lo; b < hi; b += BLOCK) {
            long e = Math.min(hi, b + BLOCK);
            if (dtype == I32) {
                long s = x.isMapped() ? mappedI32Sum(x, b, e) : i32Sum(x, b, e);
                WideInteger.add192(acc, at, s >> 63, s >> 63, s);
            } else {
                long h = 0, lsum = 0;
                for (long i = b; i < e; i++) {
                    long v = x.getAtIndex(JAVA_LONG_UNALIGNED, i);
                    h += v >> 32;
                    lsum += v & 0xFFFF_FFFFL;
                }
                // total = h * 2^32 + lsum, |h| < 2^44 and 0 <= lsum < 2^45, in 128 bits
                long shifted = h << 32, low = shifted + lsum;
                long high = (h >> 32) + (Long.compareUnsigned(low, shifted) < 0 ? 1 : 0);
                WideInteger.add192(acc, at, high >> 63, high, low);
            }
        }
    }

    private static long i32Sum(MemorySegment x, long b, long e) {
        long s = 0;
        for (long i = b; i < e; i++) s += x.getAtIndex(JAVA_INT_UNALIGNED, i);
        return s;
    }

    private static long mappedI32Sum(MemorySegment x, long b, long e) {
        long s = 0;
        for (long i = b; i < e; i++) s += mappedI32(x, i); // see "Mapped i32 arrays"
        return s;
    }

    /**
     * Exact integer dot of [lo, hi) into the 256-bit state at acc[at] ({@code k_integer_dot}):
     * per block, each 128-bit product goes into a 192-bit sum (128 low bits and a top word
     * counting their carries), which then goes into the state.
     */
    static void integerDot(int dtype, MemorySegment x, MemorySegment y, long lo, long hi, long[] acc, int at) {
        for (long b = lo; b < hi; b += BLOCK) {
            long e = Math.min(hi, b + BLOCK);
            long low = 0, mid = 0, top = 0;
            for (long i = b; i < e; i++) {
                long u = integer(dtype, x, i), v = integer(dtype, y, i);
                long ph = Math.multiplyHigh(u, v), pl = u * v;
                long nl = low + pl;
                long c0 = Long.compareUnsigned(nl, low) < 0 ? 1 : 0;
                long t = mid + ph;
                long c1 = Long.compareUnsigned(t, mid) < 0 ? 1 : 0;
                long nm = t + c0;
                long c2 = c0 != 0 && nm == 0 ? 1 : 0;
                top += c1 + c2 - (ph < 0 ? 1 : 0);
                low = nl;
                mid = nm;
            }
            WideInteger.add192(acc, at, top, mid, low);
        }
    }

    // ---- elementwise --------------------------------------------------------------------------

    /** out[i] = a[i] op b[i] over [lo, hi); integer arithmetic wraps ({@code k_binary}). */
    static void binary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long lo, long hi) {
        switch (dtype) {
            case F64 -> {
                for (long i = lo; i < hi; i++) {
                    double u = a.getAtIndex(JAVA_DOUBLE_UNALIGNED, i), v = b.getAtIndex(JAVA_DOUBLE_UNALIGNED, i);
                    out.setAtIndex(JAVA_DOUBLE_UNALIGNED, i, op == ADD ? u + v : op == SUB ? u - v : u * v);
                }
            }
            case F32 -> {
                for (long i = lo; i < hi; i++) {
                    float u = a.getAtIndex(JAVA_FLOAT_UNALIGNED, i), v = b.getAtIndex(JAVA_FLOAT_UNALIGNED, i);
                    out.setAtIndex(JAVA_FLOAT_UNALIGNED, i, op == ADD ? u + v : op == SUB ? u - v : u * v);
                }
            }
            case I64 -> {
                for (long i = lo; i < hi; i++) {
                    long u = a.getAtIndex(JAVA_LONG_UNALIGNED, i), v = b.getAtIndex(JAVA_LONG_UNALIGNED, i);
                    out.setAtIndex(JAVA_LONG_UNALIGNED, i, op == ADD ? u + v : op == SUB ? u - v : u * v);
                }
            }
            default -> {
                for (long i = lo; i < hi; i++) {
                    int u = a.getAtIndex(JAVA_INT_UNALIGNED, i), v = b.getAtIndex(JAVA_INT_UNALIGNED, i);
                    out.setAtIndex(JAVA_INT_UNALIGNED, i, op == ADD ? u + v : op == SUB ? u - v : u * v);
                }
            }
        }
    }

    /** out[i] = alpha * x[i] over [lo, hi) ({@code k_scale}). */
    static void scale(int dtype, MemorySegment x, double alphaF, long alphaI, MemorySegment out, long lo, long hi) {
        float af32 = (float) alphaF;
        for (long i = lo; i < hi; i++) {
            switch (dtype) {
                case F64 -> out.setAtIndex(JAVA_DOUBLE_UNALIGNED, i, alphaF * x.getAtIndex(JAVA_DOUBLE_UNALIGNED, i));
                case F32 -> out.setAtIndex(JAVA_FLOAT_UNALIGNED, i, af32 * x.getAtIndex(JAVA_FLOAT_UNALIGNED, i));
                case I64 -> out.setAtIndex(JAVA_LONG_UNALIGNED, i, alphaI * x.getAtIndex(JAVA_LONG_UNALIGNED, i));
                default -> out.setAtIndex(JAVA_INT_UNALIGNED, i, (int) alphaI * x.getAtIndex(JAVA_INT_UNALIGNED, i));
            }
        }
    }

    /** y[i] = alpha * x[i] + y[i] over [lo, hi), two roundings ({@code k_axpy}). */
    static void axpy(int dtype, double alphaF, long alphaI, MemorySegment x, MemorySegment y, long lo, long hi) {
        float af32 = (float) alphaF;
        for (long i = lo; i < hi; i++) {
            switch (dtype) {
                case F64 -> y.setAtIndex(JAVA_DOUBLE_UNALIGNED, i,
                        alphaF * x.getAtIndex(JAVA_DOUBLE_UNALIGNED, i) + y.getAtIndex(JAVA_DOUBLE_UNALIGNED, i));
                case F32 -> y.setAtIndex(JAVA_FLOAT_UNALIGNED, i,
                        af32 * x.getAtIndex(JAVA_FLOAT_UNALIGNED, i) + y.getAtIndex(JAVA_FLOAT_UNALIGNED, i));
                case I64 -> y.setAtIndex(JAVA_LONG_UNALIGNED, i,
                        alphaI * x.getAtIndex(JAVA_LONG_UNALIGNED, i) + y.getAtIndex(JAVA_LONG_UNALIGNED, i));
                default -> y.setAtIndex(JAVA_INT_UNALIGNED, i,
                        (int) alphaI * x.getAtIndex(JAVA_INT_UNALIGNED, i) + y.getAtIndex(JAVA_INT_UNALIGNED, i));
            }
        }
    }

    /** out[lo, hi) = value ({@code k_fill}); out is a view of exactly the array's bytes. */
    static void fill(int dtype, MemorySegment out, double valueF, long valueI, long lo, long hi) {
        switch (dtype) {
            case F64 -> {
                for (long i = lo; i < hi; i++) out.setAtIndex(JAVA_DOUBLE_UNALIGNED, i, valueF);
            }
            case F32 -> {
                float v = (float) valueF;
                for (long i = lo; i < hi; i++) out.setAtIndex(JAVA_FLOAT_UNALIGNED, i, v);
            }
            case I64 -> {
                for (long i = lo; i < hi; i++) out.setAtIndex(JAVA_LONG_UNALIGNED, i, valueI);
            }
            default -> {
                int v = (int) valueI;
                for (long i = lo; i < hi; i++) out.setAtIndex(JAVA_INT_UNALIGNED, i, v);
            }
        }
    }
}
