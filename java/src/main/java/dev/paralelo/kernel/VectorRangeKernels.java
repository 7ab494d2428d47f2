package dev.paralelo.kernel;

import static dev.paralelo.kernel.KernelBackend.ACCURATE;
import static dev.paralelo.kernel.KernelBackend.ADD;
import static dev.paralelo.kernel.KernelBackend.BLOCK;
import static dev.paralelo.kernel.KernelBackend.F32;
import static dev.paralelo.kernel.KernelBackend.F64;
import static dev.paralelo.kernel.KernelBackend.FAST;
import static dev.paralelo.kernel.KernelBackend.FAST_LANES;
import static dev.paralelo.kernel.KernelBackend.I32;
import static dev.paralelo.kernel.KernelBackend.LANES;
import static dev.paralelo.kernel.KernelBackend.MIN;
import static dev.paralelo.kernel.KernelBackend.SUB;
import static dev.paralelo.kernel.States.CENTERED_CENTER;
import static dev.paralelo.kernel.States.CENTERED_COUNT;
import static dev.paralelo.kernel.States.CENTERED_DEV;
import static dev.paralelo.kernel.States.CENTERED_SQ;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The hot range kernels on the Panama Vector API, with the bits of {@link RangeKernels} and of
 * the C library: the twin of impl.c's SIMD code. The 8 accurate lanes of a block (32 in fast
 * mode) are LANES / VL vectors of VL doubles, lane k*VL + j in element j of vector k, exactly
 * as impl.c lays them out; each lane sees the same IEEE operations in the same order (Java never
 * contracts a multiply and an add into a fused one; Dot2's error term is an explicit
 * {@code fma}, as {@link Math#fma}). A vector of lane group k is processed over the whole block
 * before the next group, so one vector pair lives in registers at a time however wide the
 * species is. (Interleaving 4 blocks, as impl.c does, was faster in isolation but, inside the
 * benchmark report's JVM, compiled to boxed vectors at 6 GB/s: the single-block loop is the one
 * the JIT compiles reliably. Only a pool worker's JVM, which runs these kernels on mapped arrays
 * alone, interleaves: see {@code accurateLanes4}.) f32 lane groups are loaded as floats and widened exactly to the
 * same double lanes. Integer sums and the i32 dot run on long lanes; the i64 dot, integer
 * min/max and the rest of the set stay scalar.
 *
 * <p>Only loaded when the {@code jdk.incubator.vector} module is present (see
 * {@link KernelProvider}); works for species of 128, 256 and 512 bits.
 */
final class VectorRangeKernels implements RangeKernelSet {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /*
     * Static final species: the Vector API compiles to SIMD instructions only when the species is
     * a constant the JIT can see; held in an instance field, every operation fell back to boxed
     * vectors (10x slower than scalar Java). The preferred species follows -XX:MaxVectorSize.
     */
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> SF = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> SL = LongVector.SPECIES_PREFERRED; // S's shape: bit tests, integer lanes
    /** Ints as many as SL has longs (half its width): an i32 group is loaded with it and widened (I2L). */
    private static final VectorSpecies<Integer> SIH = VectorSpecies.of(int.class, VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 2)));
    /**
     * Floats as many as S has doubles (half S's width): an f32 lane group is loaded with it and
     * widened to doubles (F2D), so the f32 kernels run the f64 lanes on exactly converted values.
     */
    private static final VectorSpecies<Float> SH = VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 2)));
    private static final int VL = S.length(), GROUPS = LANES / Math.max(1, Math.min(LANES, VL)),
            FAST_GROUPS = FAST_LANES / Math.max(1, Math.min(LANES, VL));
    private static final VectorRangeKernels PREFERRED = new VectorRangeKernels();

    private VectorRangeKernels() {
        if (VL != 2 && VL != 4 && VL != 8) throw new IllegalStateException("no lanes layout for " + S);
    }

    /** The kernels on the JVM's preferred species (what -XX:MaxVectorSize allows). */
    static VectorRangeKernels preferred() {
        return PREFERRED;
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public String toString() {
        return S.vectorBitSize() + "-bit vectors, TwoSum " + (FMA_ADDS ? "partly on the FMA units" : "on the add units");
    }

    /*
     * Mapped files. When another process truncates a mapped file, a load from a lost page raises
     * SIGBUS. The JVM turns that into an InternalError (which the kernels report as a truncation)
     * only when the faulting code is one of its "unsafe accesses": a scalar MemorySegment access,
     * a copy, or any instruction of a compiled method that holds such an access. A vector load is
     * not one by itself: a method whose only reads of the segment are vector loads dies of the
     * SIGBUS (measured on JDK 25, sum and dot, f32 and f64, both modes). So every method below
     * that loads vectors from a segment also reads one byte of it with a scalar access, GUARD,
     * after its loop (whenever there was data to load), where every compilation of the method,
     * an OSR one included, parses it; inlined, it marks the caller's compilation too.
     *
     * Reading mapped files directly is still not the default. When the same JVM also runs these
     * kernels on off-heap segments, the JIT's profile of the loads sees two segment classes, and
     * the vector loads stop compiling to vector instructions: an accurate sum of 2^14 doubles
     * fell from 46 to 10 GB/s. So by default a block of a mapped segment is first copied (at
     * most 32 KiB, with MemorySegment.copy, into this thread's staging buffer, which stays in
     * L1/L2) and the vectors read the copy, which keeps the profile to one class and costs a
     * large mapped sum about a third of its speed. -Dparalelo.vector.mappedReads=direct reads
     * them in place, for a JVM that runs the kernels on mapped files only, at a risk: the guard
     * marks compiled kernels, and while a kernel still runs in the interpreter the JIT may have
     * compiled the JDK's vector load as a method of its own, outside every guard. A truncation
     * then kills the JVM (a test JVM under load did, in DoubleVector.fromMemorySegment, 400 ms
     * into a dot's calls). So no JVM sets it by default, a pool's Java workers included, and
     * MappedTruncationTest truncates files under the staged kernels only. The elementwise
     * kernels, which would also store through vectors, run the scalar twin on mapped segments.
     */

    /** Whether mapped segments are read in place rather than through the staging buffer (see above). */
    static final boolean DIRECT_MAPPED = "direct".equals(System.getProperty("paralelo.vector.mappedReads"));

    /**
     * Whether three of TwoSum's additions (and the variance's deviation) run as fused
     * multiply-adds by +1 or -1, as impl.c's TWO_SUM does (its comment says why): the same bits
     * on the multiply-add units. The choice and its default: {@link FmaAdds}.
     */
    static final boolean FMA_ADDS = FmaAdds.detect();

    /** a + b, rounded once: on the multiply-add units where {@link #FMA_ADDS}. */
    private static DoubleVector plus(DoubleVector a, DoubleVector b) {
        return FMA_ADDS ? a.fma(DoubleVector.broadcast(S, 1.0), b) : a.add(b);
    }

    /** a - b, rounded once: on the multiply-add units where {@link #FMA_ADDS}. */
    private static DoubleVector minus(DoubleVector a, DoubleVector b) {
        return FMA_ADDS ? b.fma(DoubleVector.broadcast(S, -1.0), a) : a.sub(b);
    }

    private static final ThreadLocal<MemorySegment[]> STAGE = ThreadLocal.withInitial(() -> {
        Arena arena = Arena.ofAuto();
        return new MemorySegment[] {arena.allocate((long) BLOCK * Double.BYTES, 64), arena.allocate((long) BLOCK * Double.BYTES, 64)};
    });

    /*
     * Heap segments. For the same reason, a heap segment (an array wrapped by F64Array.wrap and
     * the like) is read through the staging buffer too, and the elementwise kernels run the
     * scalar twin on one: a JVM that had run the vector kernels on heap and off-heap segments of
     * several kinds (double[], float[], byte[], read-only, slices) ran an accurate f32 sum of 4096
     * off-heap floats at 2.7-2.8 us per call where it had taken 0.7 (Zen 5, JDK 25). Staged, the
     * loads only ever see native segments. (A separate pathology is open: in the test suite's
     * JVM, C2 recompiled accurateLanesF32 about 100 times on a failing profiled loop predicate and
     * left it in C1 code, whose vectors are objects; AllocationTest runs in a JVM of its own.)
     */

    /** Whether x must be read through the staging buffer: a heap segment, or a mapped one (see above). */
    private static boolean staged(MemorySegment x) {
        return !x.isNative() || (!DIRECT_MAPPED && x.isMapped());
    }

    /** Whether vectors may store into s and read it in place: neither heap nor mapped (see above). */
    private static boolean plain(MemorySegment s) {
        return s.isNative() && !s.isMapped();
    }

    /** Elements [b, b + len) of x, of width bytes each, copied to staging buffer slot (0 or 1), which is returned. */
    private static MemorySegment stage(MemorySegment x, long b, int len, int width, int slot) {
        MemorySegment s = STAGE.get()[slot];
        MemorySegment.copy(x, b * width, s, 0, (long) len * width);
        return s;
    }

    private static int width(int dtype) {
        return dtype == F64 ? Double.BYTES : Float.BYTES;
    }

    /** The scalar access that marks a method reading a segment through vectors: see "Mapped files". */
    private static final ValueLayout.OfByte GUARD = ValueLayout.JAVA_BYTE;

    /*
     * No helper returns a vector: every load and zero below is written out where it is used. A
     * vector that crosses a call the JIT declines to inline (as it may, for budget, in a large
     * caller) is boxed, and the loop runs 10 to 20 times slower than scalar code.
     */

    // ---- sums --------------------------------------------------------------------------------

    @Override
    public void sum(int dtype, int mode, MemorySegment x, long lo, long hi, long[] acc) {
        if (dtype != F64 && dtype != F32) {
            RangeKernels.sum(dtype, mode, x, lo, hi, acc);
            return;
        }
        double[] sl = new double[LANES], cl = new double[LANES], tmp = new double[2], l = new double[FAST_LANES];
        long b4 = lo;
        boolean mapped = staged(x);
        if (mode == ACCURATE && dtype == F64 && GROUPS == 1 && DIRECT_MAPPED && x.isMapped()) { // see accurateLanes4
            double[] sl4 = new double[4 * LANES], cl4 = new double[4 * LANES];
            for (; b4 + 4L * BLOCK <= hi; b4 += 4L * BLOCK) {
                accurateLanes4(x, b4, sl4, cl4);
                for (int q = 0; q < 4; q++) {
                    System.arraycopy(sl4, q * LANES, sl, 0, LANES);
                    System.arraycopy(cl4, q * LANES, cl, 0, LANES);
                    foldOrExact(dtype, x, b4 + (long) q * BLOCK, BLOCK, sl, cl, tmp, acc);
                }
            }
        }
        for (long b0 = b4; b0 < hi; b0 += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b0);
            MemorySegment xs = mapped ? stage(x, b0, len, width(dtype), 0) : x;
            long b = mapped ? 0 : b0;
            if (mode == FAST) {
                double v = fastBlock(dtype, xs, b, len, l);
                RangeKernels.blockValueToAcc(dtype, xs, null, b, len, v, acc);
            } else {
                if (dtype == F64) accurateLanes(xs, b, len, sl, cl);
                else accurateLanesF32(xs, b, len, sl, cl);
                foldOrExact(dtype, xs, b, len, sl, cl, tmp, acc);
            }
        }
    }

    @Override
    public boolean sumPairs(int dtype, int mode, MemorySegment x, long lo, long hi, double[] pairs) {
        if (staged(x)) return RangeKernelSet.super.sumPairs(dtype, mode, x, lo, hi, pairs, 0); // block by block, staged
        long b = lo;
        int p = 0;
        if (mode == ACCURATE && dtype == F64 && GROUPS == 1 && DIRECT_MAPPED && x.isMapped()) { // see accurateLanes4
            double[] sl4 = new double[4 * LANES], cl4 = new double[4 * LANES], sl = new double[LANES], cl = new double[LANES];
            double[] pair = new double[2];
            for (; b + 4L * BLOCK <= hi; b += 4L * BLOCK) {
                accurateLanes4(x, b, sl4, cl4);
                for (int q = 0; q < 4; q++, p += 2) {
                    System.arraycopy(sl4, q * LANES, sl, 0, LANES);
                    System.arraycopy(cl4, q * LANES, cl, 0, LANES);
                    if (!foldPair(sl, cl, pair)) return false;
                    pairs[p] = pair[0];
                    pairs[p + 1] = pair[1];
                }
            }
        }
        if (dtype != F64 && dtype != F32) return RangeKernelSet.super.sumPairs(dtype, mode, x, b, hi, pairs, p);
        double[][] lanes = RangeKernels.scratch();
        double[] l = lanes[0], sl = lanes[1], cl = lanes[2], pair = lanes[3];
        for (; b < hi; b += BLOCK, p += 2) { // as sum does it, block by block
            if (!pairOf(dtype, mode, x, b, (int) Math.min(BLOCK, hi - b), sl, cl, l, pair)) return false;
            pairs[p] = pair[0];
            pairs[p + 1] = pair[1];
        }
        return true;
    }

    /**
     * The partial of the float block [b, b + len) of x, hi and lo into out, as sum adds it to an
     * accumulator (fast mode: its value and 0); false when it is not finite. Fast mode uses l
     * alone, accurate mode sl and cl alone.
     */
    private static boolean pairOf(int dtype, int mode, MemorySegment x, long b, int len, double[] sl, double[] cl, double[] l,
            double[] out) {
        if (mode == FAST) {
            double v = fastBlock(dtype, x, b, len, l);
            out[0] = v + 0.0;
            out[1] = 0.0;
            return Double.isFinite(v);
        }
        if (dtype == F64) accurateLanes(x, b, len, sl, cl);
        else accurateLanesF32(x, b, len, sl, cl);
        return foldPair(sl, cl, out);
    }

    /** Accurate lanes folded to hi and lo into out; false when a lane or the fold is not finite. */
    private static boolean foldPair(double[] sl, double[] cl, double[] out) {
        if (!RangeKernels.finite(sl, cl)) return false;
        RangeKernels.fold(ACCURATE, sl, cl, out);
        return Double.isFinite(out[0]) && Double.isFinite(out[1]);
    }

    /** The block's partial into acc, or its terms one by one when a lane is not finite. */
    private static void foldOrExact(int dtype, MemorySegment x, long b, int len, double[] sl, double[] cl, double[] tmp, long[] acc) {
        if (!RangeKernels.foldToAcc(acc, 0, ACCURATE, sl, cl, tmp)) {
            for (int i = 0; i < len; i++) ExactAccumulator.add(acc, 0, RangeKernels.element(dtype, x, b + i));
        }
    }

    /**
     * The accurate lanes of one block of len elements of a sum: whole rows of 8 in vectors, then
     * the rest into lanes 0, 1, ... as impl.c's scalar tail does. Sums and dots have methods of
     * their own, so that each is compiled for one shape (a vector merged across an untaken branch
     * falls back to boxed vectors).
     */
    private static void accurateLanes(MemorySegment x, long b, int len, double[] sl, double[] cl) {
        int rows = len - len % LANES;
        for (int k = 0; k < GROUPS; k++) {
            DoubleVector sv = DoubleVector.zero(S), cv = DoubleVector.zero(S);
            long o = b + (long) k * VL;
            for (int i = 0; i < rows; i += LANES) {
                DoubleVector v = DoubleVector.fromMemorySegment(S, x, 8 * (o + i), LE);
                DoubleVector t = sv.add(v), z = t.sub(sv);
                cv = cv.add(plus(minus(sv, t.sub(z)), minus(v, z)));
                sv = t;
            }
            sv.intoArray(sl, k * VL);
            cv.intoArray(cl, k * VL);
        }
        for (int i = rows, j = 0; i < len; i++, j++) {
            double v = RangeKernels.element(F64, x, b + i);
            double t = sl[j] + v, z = t - sl[j];
            cl[j] += (sl[j] - (t - z)) + (v - z);
            sl[j] = t;
        }
        if (len > 0) x.get(GUARD, 0); // see "Mapped files"
    }

    /**
     * {@link #accurateLanes} of four whole blocks at once, when one vector holds the 8 lanes
     * (GROUPS == 1): four independent chains of TwoSum, as impl.c interleaves them, so the adds
     * overlap instead of waiting on one chain; each block keeps its own lanes and so its bits.
     * Block q's lanes go to sl[8q, 8q + 8) and cl[8q, 8q + 8). Unlike impl.c's, which streams
     * worse from memory, it pays at every size here (one thread, 2-core AMD EPYC, Zen 5, GB/s,
     * against one block at a time): 55 vs 39 at 2^20, 24 vs 16 at 2^23, 16 vs 12 at 2^26. But
     * in a JVM that has run many other vector kernels first (the benchmark report), C2 compiled
     * it with some of its 32 vector operations left as calls, and the sum fell to 5-7 GB/s where
     * the block-by-block path reads 45. So only a pool worker's JVM, which runs these kernels on
     * mapped arrays alone (direct reads, see "Mapped files"), takes it: there it lifted the
     * 2-worker sum of 2^27 doubles to 0.84-0.85 of the in-process sum in two reports.
     */
    private static void accurateLanes4(MemorySegment x, long b, double[] sl, double[] cl) {
        DoubleVector s0 = DoubleVector.zero(S), s1 = s0, s2 = s0, s3 = s0, c0 = s0, c1 = s0, c2 = s0, c3 = s0;
        long o0 = 8 * b, o1 = o0 + 8L * BLOCK, o2 = o1 + 8L * BLOCK, o3 = o2 + 8L * BLOCK;
        for (int i = 0; i < BLOCK; i += LANES) {
            long at = 8L * i;
            DoubleVector v0 = DoubleVector.fromMemorySegment(S, x, o0 + at, LE), v1 = DoubleVector.fromMemorySegment(S, x, o1 + at, LE);
            DoubleVector v2 = DoubleVector.fromMemorySegment(S, x, o2 + at, LE), v3 = DoubleVector.fromMemorySegment(S, x, o3 + at, LE);
            DoubleVector t0 = s0.add(v0), z0 = t0.sub(s0);
            DoubleVector t1 = s1.add(v1), z1 = t1.sub(s1);
            DoubleVector t2 = s2.add(v2), z2 = t2.sub(s2);
            DoubleVector t3 = s3.add(v3), z3 = t3.sub(s3);
            c0 = c0.add(plus(minus(s0, t0.sub(z0)), minus(v0, z0)));
            c1 = c1.add(plus(minus(s1, t1.sub(z1)), minus(v1, z1)));
            c2 = c2.add(plus(minus(s2, t2.sub(z2)), minus(v2, z2)));
            c3 = c3.add(plus(minus(s3, t3.sub(z3)), minus(v3, z3)));
            s0 = t0;
            s1 = t1;
            s2 = t2;
            s3 = t3;
        }
        s0.intoArray(sl, 0);
        s1.intoArray(sl, LANES);
        s2.intoArray(sl, 2 * LANES);
        s3.intoArray(sl, 3 * LANES);
        c0.intoArray(cl, 0);
        c1.intoArray(cl, LANES);
        c2.intoArray(cl, 2 * LANES);
        c3.intoArray(cl, 3 * LANES);
        x.get(GUARD, 0); // see "Mapped files"
    }

    /** {@link #accurateLanes} on floats: each lane group loaded as SH floats and widened exactly. */
    private static void accurateLanesF32(MemorySegment x, long b, int len, double[] sl, double[] cl) {
        int rows = len - len % LANES;
        for (int k = 0; k < GROUPS; k++) {
            DoubleVector sv = DoubleVector.zero(S), cv = DoubleVector.zero(S);
            long o = b + (long) k * VL;
            for (int i = 0; i < rows; i += LANES) {
                DoubleVector v = (DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (o + i), LE).convertShape(VectorOperators.F2D, S, 0);
                DoubleVector t = sv.add(v), z = t.sub(sv);
                cv = cv.add(plus(minus(sv, t.sub(z)), minus(v, z)));
                sv = t;
            }
            sv.intoArray(sl, k * VL);
            cv.intoArray(cl, k * VL);
        }
        for (int i = rows, j = 0; i < len; i++, j++) {
            double v = RangeKernels.element(F32, x, b + i);
            double t = sl[j] + v, z = t - sl[j];
            cl[j] += (sl[j] - (t - z)) + (v - z);
            sl[j] = t;
        }
        if (len > 0) x.get(GUARD, 0); // see "Mapped files"
    }

    /**
     * The accurate lanes of one block of an f32 dot: products of widened floats are exact in
     * double, so there is no error term and no tiny-product test (as impl.c).
     */
    private static void accurateDotLanesF32(MemorySegment x, MemorySegment y, long b, int len, double[] sl, double[] cl) {
        int rows = len - len % LANES;
        for (int k = 0; k < GROUPS; k++) {
            DoubleVector sv = DoubleVector.zero(S), cv = DoubleVector.zero(S);
            long o = b + (long) k * VL;
            for (int i = 0; i < rows; i += LANES) {
                DoubleVector u = (DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (o + i), LE).convertShape(VectorOperators.F2D, S, 0);
                DoubleVector w = (DoubleVector) FloatVector.fromMemorySegment(SH, y, 4 * (o + i), LE).convertShape(VectorOperators.F2D, S, 0);
                DoubleVector p = u.mul(w);
                DoubleVector t = sv.add(p), z = t.sub(sv);
                cv = cv.add(plus(minus(sv, t.sub(z)), minus(p, z)));
                sv = t;
            }
            sv.intoArray(sl, k * VL);
            cv.intoArray(cl, k * VL);
        }
        for (int i = rows, j = 0; i < len; i++, j++) {
            double p = RangeKernels.element(F32, x, b + i) * RangeKernels.element(F32, y, b + i);
            double t = sl[j] + p, z = t - sl[j];
            cl[j] += (sl[j] - (t - z)) + (p - z);
            sl[j] = t;
        }
        if (len > 0) { // see "Mapped files"
            x.get(GUARD, 0);
            y.get(GUARD, 0);
        }
    }

    /**
     * The accurate lanes of one block of a dot (Dot2: TwoSum of the product, its exact error by
     * fma), and whether the block holds a tiny product ({@link RangeKernels#tinyProduct}): the
     * minimum of {@link RangeKernels#tinyKey} over the block, lane-wise (impl.c's AVX-512 test,
     * signed).
     */
    private static boolean accurateDotLanes(MemorySegment x, MemorySegment y, long b, int len, double[] sl, double[] cl) {
        int rows = len - len % LANES;
        boolean tiny = false;
        for (int k = 0; k < GROUPS; k++) {
            DoubleVector sv = DoubleVector.zero(S), cv = DoubleVector.zero(S);
            LongVector least = LongVector.broadcast(SL, Long.MAX_VALUE);
            long o = b + (long) k * VL;
            for (int i = 0; i < rows; i += LANES) {
                DoubleVector u = DoubleVector.fromMemorySegment(S, x, 8 * (o + i), LE), w = DoubleVector.fromMemorySegment(S, y, 8 * (o + i), LE);
                DoubleVector p = u.mul(w);
                DoubleVector t = sv.add(p), z = t.sub(sv);
                cv = cv.add(plus(minus(sv, t.sub(z)), minus(p, z)));
                cv = cv.add(u.fma(w, p.neg()));
                sv = t;
                LongVector bits = u.mul(RangeKernels.TINY_SCALE).mul(w.mul(RangeKernels.TINY_SCALE)).reinterpretAsLongs();
                least = least.min(bits.and(Long.MAX_VALUE).add(Long.MAX_VALUE));
            }
            sv.intoArray(sl, k * VL);
            cv.intoArray(cl, k * VL);
            tiny |= least.reduceLanes(VectorOperators.MIN) < RangeKernels.TINY_KEY_BOUND;
        }
        for (int i = rows, j = 0; i < len; i++, j++) {
            double u = RangeKernels.element(F64, x, b + i), w = RangeKernels.element(F64, y, b + i);
            double p = u * w;
            double t = sl[j] + p, z = t - sl[j];
            cl[j] += (sl[j] - (t - z)) + (p - z);
            cl[j] += Math.fma(u, w, -p);
            sl[j] = t;
            tiny |= RangeKernels.tinyProduct(u, w);
        }
        if (len > 0) { // see "Mapped files"
            x.get(GUARD, 0);
            y.get(GUARD, 0);
        }
        return tiny;
    }

    /**
     * A fast-mode block of a sum (impl.c fast_block) of f64 or f32 elements (widened exactly): 32
     * plain lanes, 4 accumulators per pass, then the tree. The lanes stay in registers: each
     * vector's VL lanes are folded by the tree's own first levels (see {@link #SWAP1}) and the
     * passes' values by its last ones, so a block whose length is a multiple of VL never goes
     * through memory. The few elements of a last, partial vector (at most VL - 1) are added to
     * their lanes in l one by one, the same additions a vector would make. (Masked loads at the
     * end of a segment, which the partial row used to take, compiled to boxed vectors in some
     * JVMs: a sum of 31 doubles took 300 ns.) l may be null: this thread's scratch lanes are then
     * taken if a partial vector needs them. The whole rows are read by a byte offset: with the
     * element index as the loop variable, one thread summed 2^26 doubles at 0.83-0.84 of the C
     * kernel's speed, with the offset at 0.95 (same JVM, calls alternating, Zen 5).
     */
    private static double fastBlock(int dtype, MemorySegment x, long b, int len, double[] l) {
        int rows = len - len % FAST_LANES, whole = (len - rows) / VL; // whole vectors in the partial row
        boolean rest = rows + whole * VL < len, f32 = dtype == F32;
        double p0 = 0, p1 = 0, p2 = 0, p3 = 0;
        for (int k = 0; k < FAST_GROUPS; k += 4) {
            DoubleVector a0 = DoubleVector.zero(S), a1 = DoubleVector.zero(S), a2 = DoubleVector.zero(S), a3 = DoubleVector.zero(S);
            long o = b + (long) k * VL, r = o + rows;
            if (!f32) {
                for (long off = 8 * o, end = off + 8L * rows; off < end; off += 8 * FAST_LANES) {
                    a0 = a0.add(DoubleVector.fromMemorySegment(S, x, off, LE));
                    a1 = a1.add(DoubleVector.fromMemorySegment(S, x, off + 8 * VL, LE));
                    a2 = a2.add(DoubleVector.fromMemorySegment(S, x, off + 16 * VL, LE));
                    a3 = a3.add(DoubleVector.fromMemorySegment(S, x, off + 24 * VL, LE));
                }
                if (whole > k) a0 = a0.add(DoubleVector.fromMemorySegment(S, x, 8 * (r), LE));
                if (whole > k + 1) a1 = a1.add(DoubleVector.fromMemorySegment(S, x, 8 * (r + VL), LE));
                if (whole > k + 2) a2 = a2.add(DoubleVector.fromMemorySegment(S, x, 8 * (r + 2L * VL), LE));
                if (whole > k + 3) a3 = a3.add(DoubleVector.fromMemorySegment(S, x, 8 * (r + 3L * VL), LE));
            } else {
                for (int i = 0; i < rows; i += FAST_LANES) {
                    long q = o + i;
                    a0 = a0.add((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (q), LE).convertShape(VectorOperators.F2D, S, 0));
                    a1 = a1.add((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (q + VL), LE).convertShape(VectorOperators.F2D, S, 0));
                    a2 = a2.add((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (q + 2L * VL), LE).convertShape(VectorOperators.F2D, S, 0));
                    a3 = a3.add((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (q + 3L * VL), LE).convertShape(VectorOperators.F2D, S, 0));
                }
                if (whole > k) a0 = a0.add((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (r), LE).convertShape(VectorOperators.F2D, S, 0));
                if (whole > k + 1) a1 = a1.add((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (r + VL), LE).convertShape(VectorOperators.F2D, S, 0));
                if (whole > k + 2) a2 = a2.add((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (r + 2L * VL), LE).convertShape(VectorOperators.F2D, S, 0));
                if (whole > k + 3) a3 = a3.add((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (r + 3L * VL), LE).convertShape(VectorOperators.F2D, S, 0));
            }
            if (rest) {
                if (l == null) l = RangeKernels.scratch()[0];
                a0.intoArray(l, k * VL);
                a1.intoArray(l, (k + 1) * VL);
                a2.intoArray(l, (k + 2) * VL);
                a3.intoArray(l, (k + 3) * VL);
                continue;
            }
            a0 = a0.add(a0.rearrange(SWAP1)); a1 = a1.add(a1.rearrange(SWAP1)); a2 = a2.add(a2.rearrange(SWAP1)); a3 = a3.add(a3.rearrange(SWAP1));
            if (VL > 2) { a0 = a0.add(a0.rearrange(SWAP2)); a1 = a1.add(a1.rearrange(SWAP2)); a2 = a2.add(a2.rearrange(SWAP2)); a3 = a3.add(a3.rearrange(SWAP2)); }
            if (VL > 4) { a0 = a0.add(a0.rearrange(SWAP4)); a1 = a1.add(a1.rearrange(SWAP4)); a2 = a2.add(a2.rearrange(SWAP4)); a3 = a3.add(a3.rearrange(SWAP4)); }
            double p = (a0.lane(0) + a1.lane(0)) + (a2.lane(0) + a3.lane(0));
            if (k == 0) p0 = p;
            else if (k == 4) p1 = p;
            else if (k == 8) p2 = p;
            else p3 = p;
        }
        if (len > 0) x.get(GUARD, 0); // see "Mapped files"
        if (!rest) return passes(p0, p1, p2, p3);
        for (int e = rows + whole * VL; e < len; e++) {
            l[e - rows] += f32 ? x.getAtIndex(JAVA_FLOAT_UNALIGNED, b + e) : x.getAtIndex(JAVA_DOUBLE_UNALIGNED, b + e);
        }
        return RangeKernels.tree32(l);
    }

    /**
     * Swaps of lanes 1, 2 and 4 apart: v + v.rearrange(SWAP1), then the same with SWAP2 and
     * SWAP4, holds in lane 0 the tree32 value of v's VL consecutive lanes, ((l0 + l1) + (l2 +
     * l3)) + ..., the tree's first levels inside one vector (IEEE addition commutes, so a lane
     * added to its partner gives the same bits in both). Written out where used: see "No helper
     * returns a vector" above.
     */
    private static final VectorShuffle<Double> SWAP1 = VectorShuffle.fromOp(S, i -> i ^ 1),
            SWAP2 = VectorShuffle.fromOp(S, i -> i ^ (2 % VL)), SWAP4 = VectorShuffle.fromOp(S, i -> i ^ (4 % VL));

    /** The fast tree's last levels over the values of its passes of 4 vectors (32 / (4 VL) of them). */
    private static double passes(double p0, double p1, double p2, double p3) {
        return FAST_GROUPS == 4 ? p0 : FAST_GROUPS == 8 ? p0 + p1 : (p0 + p1) + (p2 + p3);
    }

    /*
     * The last, partial row of a fast dot block: element rows + j goes to lane j, by masked
     * vector adds on the lane array (a scalar loop cost about 4 ns per element, all of a small
     * fast dot's time); the other lanes stay as they were (a masked add, so a -0.0 lane stays
     * -0.0). The lanes travel in the array, never as a vector argument: a vector passed to a
     * method the JIT did not inline is boxed, and its operations there can miss their
     * intrinsics. That happened to the helpers that took and returned one vector per group: a fast
     * sum of 4097 doubles took 1.7-3.1 us instead of 0.2 for at least its first 170,000 calls
     * (Zen 5, JDK 25). Each helper makes one masked load per operand, as they did (with a loop
     * inside, the JIT compiled the JDK's masked load on its own, outside the guard below, and a
     * truncated file crashed the JVM), and reads its own guard, since it may be compiled on its
     * own ("Mapped files").
     */

    /** Lanes l[q, q + VL) plus the products of elements [at, min(len, at + VL)) of the f64 blocks at b, at &lt; len. */
    private static void tailDot(double[] l, int q, MemorySegment x, MemorySegment y, long b, int at, int len) {
        VectorMask<Double> m = S.indexInRange(at, len);
        DoubleVector p = DoubleVector.fromMemorySegment(S, x, 8 * (b + at), LE, m).mul(DoubleVector.fromMemorySegment(S, y, 8 * (b + at), LE, m));
        x.get(GUARD, 0);
        y.get(GUARD, 0);
        DoubleVector.fromArray(S, l, q).add(p, m).intoArray(l, q);
    }

    /** {@link #tailDot} of floats, widened. */
    private static void tailDotF32(double[] l, int q, MemorySegment x, MemorySegment y, long b, int at, int len) {
        VectorMask<Float> mf = SH.indexInRange(at, len);
        DoubleVector p = ((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (b + at), LE, mf).convertShape(VectorOperators.F2D, S, 0))
                .mul((DoubleVector) FloatVector.fromMemorySegment(SH, y, 4 * (b + at), LE, mf).convertShape(VectorOperators.F2D, S, 0));
        x.get(GUARD, 0);
        y.get(GUARD, 0);
        DoubleVector.fromArray(S, l, q).add(p, S.indexInRange(at, len)).intoArray(l, q);
    }

    /** A fast-mode block of a dot: lane products added, no fused multiply-add (as impl.c). */
    private static double fastDotBlock(MemorySegment x, MemorySegment y, long b, int len, double[] l) {
        int rows = len - len % FAST_LANES;
        for (int k = 0; k < FAST_GROUPS; k += 4) {
            DoubleVector a0 = DoubleVector.zero(S), a1 = DoubleVector.zero(S), a2 = DoubleVector.zero(S), a3 = DoubleVector.zero(S);
            long o = b + (long) k * VL;
            for (int i = 0; i < rows; i += FAST_LANES) {
                long r = o + i;
                a0 = a0.add(DoubleVector.fromMemorySegment(S, x, 8 * (r), LE).mul(DoubleVector.fromMemorySegment(S, y, 8 * (r), LE)));
                a1 = a1.add(DoubleVector.fromMemorySegment(S, x, 8 * (r + VL), LE).mul(DoubleVector.fromMemorySegment(S, y, 8 * (r + VL), LE)));
                a2 = a2.add(DoubleVector.fromMemorySegment(S, x, 8 * (r + 2L * VL), LE).mul(DoubleVector.fromMemorySegment(S, y, 8 * (r + 2L * VL), LE)));
                a3 = a3.add(DoubleVector.fromMemorySegment(S, x, 8 * (r + 3L * VL), LE).mul(DoubleVector.fromMemorySegment(S, y, 8 * (r + 3L * VL), LE)));
            }
            a0.intoArray(l, k * VL);
            a1.intoArray(l, (k + 1) * VL);
            a2.intoArray(l, (k + 2) * VL);
            a3.intoArray(l, (k + 3) * VL);
        }
        for (int q = 0; q < FAST_LANES && rows + q < len; q += VL) tailDot(l, q, x, y, b, rows + q, len); // the last, partial row
        if (len > 0) { // see "Mapped files"
            x.get(GUARD, 0);
            y.get(GUARD, 0);
        }
        return RangeKernels.tree32(l);
    }

    /** {@link #fastDotBlock} on floats: products of widened floats (exact), added in lanes. */
    private static double fastDotBlockF32(MemorySegment x, MemorySegment y, long b, int len, double[] l) {
        int rows = len - len % FAST_LANES;
        for (int k = 0; k < FAST_GROUPS; k += 4) {
            DoubleVector a0 = DoubleVector.zero(S), a1 = DoubleVector.zero(S), a2 = DoubleVector.zero(S), a3 = DoubleVector.zero(S);
            long o = b + (long) k * VL;
            for (int i = 0; i < rows; i += FAST_LANES) {
                long r = o + i;
                a0 = a0.add(((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (r), LE).convertShape(VectorOperators.F2D, S, 0))
                        .mul((DoubleVector) FloatVector.fromMemorySegment(SH, y, 4 * (r), LE).convertShape(VectorOperators.F2D, S, 0)));
                a1 = a1.add(((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (r + VL), LE).convertShape(VectorOperators.F2D, S, 0))
                        .mul((DoubleVector) FloatVector.fromMemorySegment(SH, y, 4 * (r + VL), LE).convertShape(VectorOperators.F2D, S, 0)));
                a2 = a2.add(((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (r + 2L * VL), LE).convertShape(VectorOperators.F2D, S, 0))
                        .mul((DoubleVector) FloatVector.fromMemorySegment(SH, y, 4 * (r + 2L * VL), LE).convertShape(VectorOperators.F2D, S, 0)));
                a3 = a3.add(((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (r + 3L * VL), LE).convertShape(VectorOperators.F2D, S, 0))
                        .mul((DoubleVector) FloatVector.fromMemorySegment(SH, y, 4 * (r + 3L * VL), LE).convertShape(VectorOperators.F2D, S, 0)));
            }
            a0.intoArray(l, k * VL);
            a1.intoArray(l, (k + 1) * VL);
            a2.intoArray(l, (k + 2) * VL);
            a3.intoArray(l, (k + 3) * VL);
        }
        for (int q = 0; q < FAST_LANES && rows + q < len; q += VL) tailDotF32(l, q, x, y, b, rows + q, len); // the last, partial row
        if (len > 0) { // see "Mapped files"
            x.get(GUARD, 0);
            y.get(GUARD, 0);
        }
        return RangeKernels.tree32(l);
    }

    /** The block's value in registers; staged segments take the default, through blockPair. */
    @Override
    public double fastValue(int dtype, MemorySegment x, long b, int len) {
        if ((dtype != F64 && dtype != F32) || staged(x)) return RangeKernelSet.super.fastValue(dtype, x, b, len);
        if (VL == 8 && dtype == F64 && (len & 7) == 0) return len > 0 && len <= 2 * VL ? fastTwoVectors(x, b, len) : fastSmall8(x, b, len);
        return len < VL ? fewLanes(dtype, x, b, len) : fastBlock(dtype, x, b, len, null);
    }

    /**
     * The value of a fast block shorter than one vector, on scalars: lane j is 0.0 + x[b + j],
     * the others +0.0, then the tree, which is what {@link #fastBlock} computes for it (its
     * vectors stay zero and its partial row goes to the lanes one by one). No vector: fastBlock's
     * zero vectors, stored to the lanes, were boxed there, 384 bytes per call, when such a block
     * ended a two-block sum (4097 to 4103 doubles) or made up a sum of 1 to 7.
     */
    private static double fewLanes(int dtype, MemorySegment x, long b, int len) {
        double[] l = RangeKernels.scratch()[0];
        java.util.Arrays.fill(l, 0, FAST_LANES, 0.0);
        for (int j = 0; j < len; j++) {
            l[j] = 0.0 + (dtype == F32 ? x.getAtIndex(JAVA_FLOAT_UNALIGNED, b + j) : x.getAtIndex(JAVA_DOUBLE_UNALIGNED, b + j));
        }
        return RangeKernels.tree32(l);
    }

    /**
     * The value of the fast f64 block x[b, b + n) ({@link #fastValue}) on vectors of 8 doubles, n a
     * multiple of 8: the 32 lanes stay in
     * 4 registers, the partial row is 0 to 3 whole vectors, and the swap tree folds the lanes in
     * place. The same additions as {@link #fastBlock}, without its passes, its partial vector
     * (which goes through the lanes array) and its f32 path. No masked loads: at the end of a
     * segment they compiled to boxed vectors in some JVMs (see fastBlock). Against fastBlock, in a
     * JVM that had run the report's n = 16 cases first (Zen 5, calls alternating): 21.9 ns
     * instead of 26.0 at n = 256.
     */
    private static double fastSmall8(MemorySegment x, long b, int n) {
        int rows = n & -FAST_LANES, rem = n - rows;
        DoubleVector a0 = DoubleVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < rows; i += FAST_LANES) {
            long o = 8 * (b + i);
            a0 = a0.add(DoubleVector.fromMemorySegment(S, x, o, LE));
            a1 = a1.add(DoubleVector.fromMemorySegment(S, x, o + 64, LE));
            a2 = a2.add(DoubleVector.fromMemorySegment(S, x, o + 128, LE));
            a3 = a3.add(DoubleVector.fromMemorySegment(S, x, o + 192, LE));
        }
        long o = 8 * (b + rows);
        if (rem > 0) a0 = a0.add(DoubleVector.fromMemorySegment(S, x, o, LE));
        if (rem > 8) a1 = a1.add(DoubleVector.fromMemorySegment(S, x, o + 64, LE));
        if (rem > 16) a2 = a2.add(DoubleVector.fromMemorySegment(S, x, o + 128, LE));
        if (n > 0) x.get(GUARD, 0); // see "Mapped files"
        a0 = a0.add(a0.rearrange(SWAP1)); a1 = a1.add(a1.rearrange(SWAP1)); a2 = a2.add(a2.rearrange(SWAP1)); a3 = a3.add(a3.rearrange(SWAP1));
        a0 = a0.add(a0.rearrange(SWAP2)); a1 = a1.add(a1.rearrange(SWAP2)); a2 = a2.add(a2.rearrange(SWAP2)); a3 = a3.add(a3.rearrange(SWAP2));
        a0 = a0.add(a0.rearrange(SWAP4)); a1 = a1.add(a1.rearrange(SWAP4)); a2 = a2.add(a2.rearrange(SWAP4)); a3 = a3.add(a3.rearrange(SWAP4));
        return (a0.lane(0) + a1.lane(0)) + (a2.lane(0) + a3.lane(0));
    }

    /**
     * {@link #fastSmall8} of 8 or 16 doubles. Lanes 16 to 31 hold +0.0, and so do their two
     * subtrees' roots, so the tree's last addition is x + (+0.0), kept as written. The lanes are
     * the elements themselves, not +0.0 plus each: the two differ only where an element is -0.0,
     * and then only in the sign of a zero inside the tree, which the last addition of +0.0 settles
     * (a zero sum comes out +0.0 either way; a nonzero one is the same). Small enough to inline
     * where fastSmall8 is not (485 bytes of bytecode, past the JIT's limit for a hot call), and
     * without its loop, its tail's conditions and its two idle vectors' trees. The guard only in
     * a JVM that reads mapped segments in place: no other reaches here with one ({@link #staged}).
     */
    private static double fastTwoVectors(MemorySegment x, long b, int n) {
        long o = 8 * b;
        DoubleVector a0 = DoubleVector.fromMemorySegment(S, x, o, LE);
        DoubleVector a1 = n > VL ? DoubleVector.fromMemorySegment(S, x, o + 64, LE) : DoubleVector.zero(S);
        if (DIRECT_MAPPED) x.get(GUARD, 0); // see "Mapped files"
        a0 = a0.add(a0.rearrange(SWAP1)); a1 = a1.add(a1.rearrange(SWAP1));
        a0 = a0.add(a0.rearrange(SWAP2)); a1 = a1.add(a1.rearrange(SWAP2));
        a0 = a0.add(a0.rearrange(SWAP4)); a1 = a1.add(a1.rearrange(SWAP4));
        return (a0.lane(0) + a1.lane(0)) + 0.0;
    }

    @Override
    public boolean blockPair(int dtype, int mode, MemorySegment x, long b, int len, double[] out) {
        if (dtype != F64 && dtype != F32) return RangeKernels.blockPair(dtype, mode, x, b, len, out);
        if (staged(x)) {
            x = stage(x, b, len, width(dtype), 0);
            b = 0;
        }
        double[][] lanes = RangeKernels.scratch();
        return mode == FAST ? pairOf(dtype, mode, x, b, len, null, null, lanes[0], out)
                : pairOf(dtype, mode, x, b, len, lanes[1], lanes[2], null, out);
    }

    @Override
    public void dot(int dtype, int mode, MemorySegment x, MemorySegment y, long lo, long hi, long[] acc) {
        if (dtype != F64 && dtype != F32) {
            RangeKernels.dot(dtype, mode, x, y, lo, hi, acc);
            return;
        }
        double[] sl = new double[LANES], cl = new double[LANES], pair = new double[2], l = new double[FAST_LANES];
        boolean mapped = staged(x) || staged(y);
        for (long b0 = lo; b0 < hi; b0 += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b0);
            MemorySegment xs = mapped ? stage(x, b0, len, width(dtype), 0) : x, ys = mapped ? stage(y, b0, len, width(dtype), 1) : y;
            long b = mapped ? 0 : b0;
            if (dotPair(dtype, mode, xs, ys, b, len, sl, cl, l, pair)) {
                ExactAccumulator.add(acc, 0, pair[0]);
                if (mode != FAST) ExactAccumulator.add(acc, 0, pair[1]);
            } else {
                RangeKernels.exactProducts(dtype, xs, ys, b, len, acc);
            }
        }
    }

    @Override
    public boolean dotPairs(int dtype, int mode, MemorySegment x, MemorySegment y, long lo, long hi, double[] pairs) {
        if (dtype != F64 && dtype != F32) return RangeKernels.dotPairs(dtype, mode, x, y, lo, hi, pairs);
        double[][] lanes = RangeKernels.scratch();
        double[] l = lanes[0], sl = lanes[1], cl = lanes[2], pair = lanes[3];
        boolean mapped = staged(x) || staged(y);
        for (long b0 = lo; b0 < hi; b0 += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b0), at = (int) (2 * ((b0 - lo) / BLOCK));
            MemorySegment xs = mapped ? stage(x, b0, len, width(dtype), 0) : x, ys = mapped ? stage(y, b0, len, width(dtype), 1) : y;
            if (!dotPair(dtype, mode, xs, ys, mapped ? 0 : b0, len, sl, cl, l, pair)) return false;
            pairs[at] = pair[0];
            pairs[at + 1] = pair[1];
        }
        return true;
    }

    /**
     * The partial of the dot block [b, b + len) of x and y, hi and lo into out (fast mode: its
     * value and 0), as {@link #dot} adds it to an accumulator; false when the block takes its
     * exact products instead (RangeKernels.dotPair, whose twin this is).
     */
    private static boolean dotPair(int dtype, int mode, MemorySegment x, MemorySegment y, long b, int len, double[] sl,
            double[] cl, double[] l, double[] out) {
        if (mode == FAST) {
            double v = dtype == F64 ? fastDotBlock(x, y, b, len, l) : fastDotBlockF32(x, y, b, len, l);
            out[0] = v;
            out[1] = 0.0;
            return Double.isFinite(v);
        }
        boolean tiny = false;
        if (dtype == F64) tiny = accurateDotLanes(x, y, b, len, sl, cl);
        else accurateDotLanesF32(x, y, b, len, sl, cl);
        if (tiny || !RangeKernels.finite(sl, cl)) return false;
        RangeKernels.fold(mode, sl, cl, out);
        return Double.isFinite(out[0]) && Double.isFinite(out[1]);
    }

    // ---- variance, the centred pass ------------------------------------------------------------

    @Override
    public void centered(int dtype, int mode, MemorySegment x, long lo, long hi, long[] st) {
        if (dtype != F64 && dtype != F32) {
            RangeKernels.centered(dtype, mode, x, lo, hi, st);
            return;
        }
        double center = Double.longBitsToDouble(st[CENTERED_CENTER]);
        double[][] lanes = RangeKernels.scratch();
        int c = RangeKernels.CENTERED_SCRATCH;
        double[] sq = lanes[c], cq = lanes[c + 1], sd = lanes[c + 2], cd = lanes[c + 3], fq = lanes[c + 4], fd = lanes[c + 5];
        boolean mapped = staged(x);
        for (long b0 = lo; b0 < hi; b0 += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b0);
            MemorySegment xs = mapped ? stage(x, b0, len, width(dtype), 0) : x;
            long b = mapped ? 0 : b0;
            if (centeredPair(dtype, mode, xs, b, len, center, sq, cq, sd, cd, fq, fd)) {
                ExactAccumulator.add(st, CENTERED_SQ, fq[0]);
                ExactAccumulator.add(st, CENTERED_SQ, fq[1]);
                ExactAccumulator.add(st, CENTERED_DEV, fd[0]);
                ExactAccumulator.add(st, CENTERED_DEV, fd[1]);
            } else {
                RangeKernels.exactDeviations(dtype, xs, b, len, center, st);
            }
        }
        st[CENTERED_COUNT] += hi - lo;
    }

    @Override
    public boolean centeredPairs(int dtype, int mode, MemorySegment x, long lo, long hi, double center, double[] q, double[] d) {
        if (dtype != F64 && dtype != F32) return RangeKernels.centeredPairs(dtype, mode, x, lo, hi, center, q, d);
        double[][] lanes = RangeKernels.scratch();
        int c = RangeKernels.CENTERED_SCRATCH;
        double[] sq = lanes[c], cq = lanes[c + 1], sd = lanes[c + 2], cd = lanes[c + 3], fq = lanes[c + 4], fd = lanes[c + 5];
        boolean mapped = staged(x);
        for (long b0 = lo; b0 < hi; b0 += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b0), at = (int) (2 * ((b0 - lo) / BLOCK));
            MemorySegment xs = mapped ? stage(x, b0, len, width(dtype), 0) : x;
            if (!centeredPair(dtype, mode, xs, mapped ? 0 : b0, len, center, sq, cq, sd, cd, fq, fd)) return false;
            q[at] = fq[0];
            q[at + 1] = fq[1];
            d[at] = fd[0];
            d[at + 1] = fd[1];
        }
        return true;
    }

    /** The centred block [b, b + len) of x folded into fq and fd, false when not finite (RangeKernels.centeredPair's twin). */
    private static boolean centeredPair(int dtype, int mode, MemorySegment x, long b, int len, double center, double[] sq, double[] cq,
            double[] sd, double[] cd, double[] fq, double[] fd) {
        int rows = len - len % LANES;
        if (dtype == F64) centeredLanes(x, b, rows, center, mode, sq, cq, sd, cd);
        else centeredLanesF32(x, b, rows, center, mode, sq, cq, sd, cd);
        for (int i = rows, j = 0; i < len; i++, j++) {
            double dv = RangeKernels.element(dtype, x, b + i) - center, qv = dv * dv;
            if (mode == ACCURATE) {
                double t = sq[j] + qv, z = t - sq[j];
                cq[j] += (sq[j] - (t - z)) + (qv - z);
                sq[j] = t;
                t = sd[j] + dv;
                z = t - sd[j];
                cd[j] += (sd[j] - (t - z)) + (dv - z);
                sd[j] = t;
            } else {
                sq[j] += qv;
                sd[j] += dv;
            }
        }
        return RangeKernels.foldCentered(mode, sq, cq, sd, cd, fq, fd);
    }

    /** The centred lanes of the first rows elements of a block (a multiple of 8), d = x - center. */
    private static void centeredLanes(MemorySegment x, long b, int rows, double center, int mode, double[] sq, double[] cq, double[] sd,
            double[] cd) {
        DoubleVector m = DoubleVector.broadcast(S, center);
        for (int k = 0; k < GROUPS; k++) {
            DoubleVector vsq = DoubleVector.zero(S), vcq = DoubleVector.zero(S), vsd = DoubleVector.zero(S), vcd = DoubleVector.zero(S);
            long o = b + (long) k * VL;
            for (int i = 0; i < rows; i += LANES) {
                DoubleVector dv = minus(DoubleVector.fromMemorySegment(S, x, 8 * (o + i), LE), m), qv = dv.mul(dv);
                if (mode == ACCURATE) {
                    DoubleVector t = vsq.add(qv), z = t.sub(vsq);
                    vcq = vcq.add(plus(minus(vsq, t.sub(z)), minus(qv, z)));
                    vsq = t;
                    t = vsd.add(dv);
                    z = t.sub(vsd);
                    vcd = vcd.add(plus(minus(vsd, t.sub(z)), minus(dv, z)));
                    vsd = t;
                } else {
                    vsq = vsq.add(qv);
                    vsd = vsd.add(dv);
                }
            }
            vsq.intoArray(sq, k * VL);
            vcq.intoArray(cq, k * VL);
            vsd.intoArray(sd, k * VL);
            vcd.intoArray(cd, k * VL);
        }
        if (rows > 0) x.get(GUARD, 0); // see "Mapped files"
    }

    /** {@link #centeredLanes} on floats, widened exactly before the subtraction. */
    private static void centeredLanesF32(MemorySegment x, long b, int rows, double center, int mode, double[] sq, double[] cq, double[] sd,
            double[] cd) {
        DoubleVector m = DoubleVector.broadcast(S, center);
        for (int k = 0; k < GROUPS; k++) {
            DoubleVector vsq = DoubleVector.zero(S), vcq = DoubleVector.zero(S), vsd = DoubleVector.zero(S), vcd = DoubleVector.zero(S);
            long o = b + (long) k * VL;
            for (int i = 0; i < rows; i += LANES) {
                DoubleVector dv = minus((DoubleVector) FloatVector.fromMemorySegment(SH, x, 4 * (o + i), LE).convertShape(VectorOperators.F2D, S, 0),
                        m), qv = dv.mul(dv);
                if (mode == ACCURATE) {
                    DoubleVector t = vsq.add(qv), z = t.sub(vsq);
                    vcq = vcq.add(plus(minus(vsq, t.sub(z)), minus(qv, z)));
                    vsq = t;
                    t = vsd.add(dv);
                    z = t.sub(vsd);
                    vcd = vcd.add(plus(minus(vsd, t.sub(z)), minus(dv, z)));
                    vsd = t;
                } else {
                    vsq = vsq.add(qv);
                    vsd = vsd.add(dv);
                }
            }
            vsq.intoArray(sq, k * VL);
            vcq.intoArray(cq, k * VL);
            vsd.intoArray(sd, k * VL);
            vcd.intoArray(cd, k * VL);
        }
        if (rows > 0) x.get(GUARD, 0); // see "Mapped files"
    }

    // ---- exact integer sums and dots ----------------------------------------------------------

    /*
     * Integer sums are exact, so any order gives the C kernels' bits; these keep impl.c's block
     * totals anyway. i32 widens into long lanes (I2L from a half-width int vector); i64 splits
     * each term into its arithmetic high and unsigned low 32-bit halves, summed in long lanes
     * (a block's halves stay below 2^44 and 2^45), and recombines the block in 128 bits. An i32
     * dot's products fit 63 bits (the largest, (-2^31)^2, is 2^62): they split the same way. The i64 dot needs 128-bit products,
     * which the Vector API lacks, and stays scalar.
     */

    @Override
    public void integerSum(int dtype, MemorySegment x, long lo, long hi, long[] acc, int at) {
        boolean mapped = staged(x);
        for (long b = lo; b < hi; b += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b);
            MemorySegment src = mapped ? stage(x, b, len, dtype == I32 ? Integer.BYTES : Long.BYTES, 0) : x;
            long base = mapped ? 0 : b;
            int i = 0;
            if (dtype == I32) {
                LongVector s0 = LongVector.zero(SL);
                for (; i + VL <= len; i += VL) {
                    s0 = s0.add((LongVector) IntVector.fromMemorySegment(SIH, src, 4 * (base + i), LE)
                            .convertShape(VectorOperators.I2L, SL, 0));
                }
                long s = s0.reduceLanes(VectorOperators.ADD);
                for (; i < len; i++) s += RangeKernels.integer(I32, src, base + i); // a mapped tail: RangeKernels, "Mapped i32 arrays"
                WideInteger.add192(acc, at, s >> 63, s >> 63, s);
            } else {
                LongVector hv = LongVector.zero(SL), lv = LongVector.zero(SL);
                for (; i + VL <= len; i += VL) {
                    LongVector v = LongVector.fromMemorySegment(SL, src, 8 * (base + i), LE);
                    hv = hv.add(v.lanewise(VectorOperators.ASHR, 32));
                    lv = lv.add(v.and(0xFFFF_FFFFL));
                }
                long h = hv.reduceLanes(VectorOperators.ADD), lsum = lv.reduceLanes(VectorOperators.ADD);
                for (; i < len; i++) {
                    long v = src.getAtIndex(JAVA_LONG_UNALIGNED, base + i);
                    h += v >> 32;
                    lsum += v & 0xFFFF_FFFFL;
                }
                addSplit(acc, at, h, lsum);
            }
            src.get(GUARD, 0); // see "Mapped files"
        }
    }

    @Override
    public void integerDot(int dtype, MemorySegment x, MemorySegment y, long lo, long hi, long[] acc, int at) {
        if (dtype != I32) {
            RangeKernels.integerDot(dtype, x, y, lo, hi, acc, at);
            return;
        }
        boolean mapped = staged(x) || staged(y);
        for (long b = lo; b < hi; b += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b);
            MemorySegment xs = mapped ? stage(x, b, len, Integer.BYTES, 0) : x, ys = mapped ? stage(y, b, len, Integer.BYTES, 1) : y;
            long base = mapped ? 0 : b;
            LongVector hv = LongVector.zero(SL), lv = LongVector.zero(SL);
            int i = 0;
            for (; i + VL <= len; i += VL) {
                LongVector p = ((LongVector) IntVector.fromMemorySegment(SIH, xs, 4 * (base + i), LE).convertShape(VectorOperators.I2L, SL, 0))
                        .mul((LongVector) IntVector.fromMemorySegment(SIH, ys, 4 * (base + i), LE).convertShape(VectorOperators.I2L, SL, 0));
                hv = hv.add(p.lanewise(VectorOperators.ASHR, 32));
                lv = lv.add(p.and(0xFFFF_FFFFL));
            }
            long h = hv.reduceLanes(VectorOperators.ADD), lsum = lv.reduceLanes(VectorOperators.ADD);
            for (; i < len; i++) {
                long p = RangeKernels.integer(I32, xs, base + i) * RangeKernels.integer(I32, ys, base + i);
                h += p >> 32;
                lsum += p & 0xFFFF_FFFFL;
            }
            addSplit(acc, at, h, lsum);
            xs.get(GUARD, 0); // see "Mapped files"
            ys.get(GUARD, 0);
        }
    }

    /** Adds h * 2^32 + lsum (|h| < 2^44, 0 <= lsum < 2^45) to the 256-bit state at acc[at], in 128 bits. */
    private static void addSplit(long[] acc, int at, long h, long lsum) {
        long shifted = h << 32, low = shifted + lsum;
        long high = (h >> 32) + (Long.compareUnsigned(low, shifted) < 0 ? 1 : 0);
        WideInteger.add192(acc, at, high >> 63, high, low);
    }

    // ---- min and max ---------------------------------------------------------------------------

    @Override
    public void extremum(int dtype, MemorySegment x, long lo, long hi, long[] st) {
        if (dtype == F64) RangeKernels.floatExtremum(dtype, x, lo, hi, st, BLOCK_EXTREME, FIRST_AT);
        else if (dtype == F32) RangeKernels.floatExtremum(dtype, x, lo, hi, st, BLOCK_EXTREME_F32, FIRST_AT);
        else RangeKernels.extremum(dtype, x, lo, hi, st);
    }

    /** The kernels below as the extremum loop takes them: one object each, not one per call. */
    private static final RangeKernels.BlockExtreme BLOCK_EXTREME = VectorRangeKernels::blockExtreme,
            BLOCK_EXTREME_F32 = VectorRangeKernels::blockExtremeF32;
    private static final RangeKernels.FirstAt FIRST_AT = VectorRangeKernels::firstAt;

    /*
     * The block's extreme keeps four running vectors, each step's min or max waiting only for its
     * own vector's last step (one running vector kept the loop at that latency), one loop per
     * operation (a vector chosen by a branch inside a loop may be boxed). Vector min and max
     * return a NaN when either lane is one, which flags the block's NaN; a zero extreme's sign
     * may differ from the scalar scan's, which the caller never relies on (it settles the sign
     * of a zero extreme by scanning, and compares zeros as equal). The lanes hold the same
     * extreme whatever the order.
     */

    /** The block's extreme of floats: compared as floats, which orders them as their widened doubles. */
    private static double blockExtremeF32(int dtype, int op, MemorySegment x, long b, long e, boolean[] nan) {
        if (staged(x)) {
            x = stage(x, b, (int) (e - b), Float.BYTES, 0);
            e -= b;
            b = 0;
        }
        float first = x.getAtIndex(JAVA_FLOAT_UNALIGNED, b);
        int fl = SF.length();
        long i = b;
        FloatVector m0 = FloatVector.broadcast(SF, first), m1 = m0, m2 = m0, m3 = m0;
        if (op == MIN) {
            for (; i + 4 * fl <= e; i += 4 * fl) {
                m0 = m0.min(FloatVector.fromMemorySegment(SF, x, 4 * i, LE));
                m1 = m1.min(FloatVector.fromMemorySegment(SF, x, 4 * (i + fl), LE));
                m2 = m2.min(FloatVector.fromMemorySegment(SF, x, 4 * (i + 2 * fl), LE));
                m3 = m3.min(FloatVector.fromMemorySegment(SF, x, 4 * (i + 3 * fl), LE));
            }
            for (; i + fl <= e; i += fl) m0 = m0.min(FloatVector.fromMemorySegment(SF, x, 4 * i, LE));
            m0 = m0.min(m1).min(m2.min(m3));
        } else {
            for (; i + 4 * fl <= e; i += 4 * fl) {
                m0 = m0.max(FloatVector.fromMemorySegment(SF, x, 4 * i, LE));
                m1 = m1.max(FloatVector.fromMemorySegment(SF, x, 4 * (i + fl), LE));
                m2 = m2.max(FloatVector.fromMemorySegment(SF, x, 4 * (i + 2 * fl), LE));
                m3 = m3.max(FloatVector.fromMemorySegment(SF, x, 4 * (i + 3 * fl), LE));
            }
            for (; i + fl <= e; i += fl) m0 = m0.max(FloatVector.fromMemorySegment(SF, x, 4 * i, LE));
            m0 = m0.max(m1).max(m2.max(m3));
        }
        double r = m0.reduceLanes(op == MIN ? VectorOperators.MIN : VectorOperators.MAX);
        for (; i < e; i++) {
            double v = RangeKernels.element(F32, x, i);
            r = op == MIN ? Math.min(r, v) : Math.max(r, v);
        }
        nan[0] = Double.isNaN(r);
        x.get(GUARD, 0); // see "Mapped files"
        return r;
    }

    /** The block's extreme of doubles (see above). */
    private static double blockExtreme(int dtype, int op, MemorySegment x, long b, long e, boolean[] nan) {
        if (staged(x)) {
            x = stage(x, b, (int) (e - b), Double.BYTES, 0);
            e -= b;
            b = 0;
        }
        long i = b;
        DoubleVector m0 = DoubleVector.broadcast(S, RangeKernels.element(F64, x, b)), m1 = m0, m2 = m0, m3 = m0;
        if (op == MIN) {
            for (; i + 4 * VL <= e; i += 4 * VL) {
                m0 = m0.min(DoubleVector.fromMemorySegment(S, x, 8 * i, LE));
                m1 = m1.min(DoubleVector.fromMemorySegment(S, x, 8 * (i + VL), LE));
                m2 = m2.min(DoubleVector.fromMemorySegment(S, x, 8 * (i + 2 * VL), LE));
                m3 = m3.min(DoubleVector.fromMemorySegment(S, x, 8 * (i + 3 * VL), LE));
            }
            for (; i + VL <= e; i += VL) m0 = m0.min(DoubleVector.fromMemorySegment(S, x, 8 * i, LE));
            m0 = m0.min(m1).min(m2.min(m3));
        } else {
            for (; i + 4 * VL <= e; i += 4 * VL) {
                m0 = m0.max(DoubleVector.fromMemorySegment(S, x, 8 * i, LE));
                m1 = m1.max(DoubleVector.fromMemorySegment(S, x, 8 * (i + VL), LE));
                m2 = m2.max(DoubleVector.fromMemorySegment(S, x, 8 * (i + 2 * VL), LE));
                m3 = m3.max(DoubleVector.fromMemorySegment(S, x, 8 * (i + 3 * VL), LE));
            }
            for (; i + VL <= e; i += VL) m0 = m0.max(DoubleVector.fromMemorySegment(S, x, 8 * i, LE));
            m0 = m0.max(m1).max(m2.max(m3));
        }
        double r = m0.reduceLanes(op == MIN ? VectorOperators.MIN : VectorOperators.MAX);
        for (; i < e; i++) {
            double v = RangeKernels.element(F64, x, i);
            r = op == MIN ? Math.min(r, v) : Math.max(r, v);
        }
        nan[0] = Double.isNaN(r);
        x.get(GUARD, 0); // see "Mapped files"
        return r;
    }

    /**
     * The first NaN of x[b, e) (nan) or else its first element equal to m, -1 when none is
     * (RangeKernels.floatFirstAt): whole vectors compared until one holds it, on doubles in a
     * plain off-heap segment (mapped and heap ones, which the kernels read through copies, go
     * element by element), then that vector's elements one by one.
     */
    private static long firstAt(int dtype, MemorySegment x, long b, long e, boolean nan, double m) {
        long i = b;
        if (dtype == F64 && plain(x)) {
            if (nan) {
                for (; i + VL <= e; i += VL) {
                    if (DoubleVector.fromMemorySegment(S, x, 8 * i, LE).test(VectorOperators.IS_NAN).anyTrue()) break;
                }
            } else {
                DoubleVector mv = DoubleVector.broadcast(S, m);
                for (; i + VL <= e; i += VL) {
                    if (DoubleVector.fromMemorySegment(S, x, 8 * i, LE).eq(mv).anyTrue()) break;
                }
            }
        }
        return RangeKernels.floatFirstAt(dtype, x, i, e, nan, m);
    }

    // ---- elementwise ---------------------------------------------------------------------------

    @Override
    public void binary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long lo, long hi) {
        if (!plain(a) || !plain(b) || !plain(out)) { // vector stores too: see "Mapped files" and "Heap segments"
            RangeKernels.binary(dtype, op, a, b, out, lo, hi);
            return;
        }
        long i = lo;
        if (dtype == F64) {
            // One loop per operation: a vector chosen by a branch inside the loop would be boxed.
            if (op == ADD) {
                for (; i + VL <= hi; i += VL) DoubleVector.fromMemorySegment(S, a, 8 * (i), LE).add(DoubleVector.fromMemorySegment(S, b, 8 * (i), LE)).intoMemorySegment(out, 8 * i, LE);
            } else if (op == SUB) {
                for (; i + VL <= hi; i += VL) DoubleVector.fromMemorySegment(S, a, 8 * (i), LE).sub(DoubleVector.fromMemorySegment(S, b, 8 * (i), LE)).intoMemorySegment(out, 8 * i, LE);
            } else {
                for (; i + VL <= hi; i += VL) DoubleVector.fromMemorySegment(S, a, 8 * (i), LE).mul(DoubleVector.fromMemorySegment(S, b, 8 * (i), LE)).intoMemorySegment(out, 8 * i, LE);
            }
        } else if (dtype == F32) {
            int fl = SF.length();
            for (; i + fl <= hi; i += fl) {
                FloatVector u = FloatVector.fromMemorySegment(SF, a, 4 * i, LE), v = FloatVector.fromMemorySegment(SF, b, 4 * i, LE);
                if (op == ADD) u.add(v).intoMemorySegment(out, 4 * i, LE);
                else if (op == SUB) u.sub(v).intoMemorySegment(out, 4 * i, LE);
                else u.mul(v).intoMemorySegment(out, 4 * i, LE);
            }
        }
        RangeKernels.binary(dtype, op, a, b, out, i, hi);
    }

    @Override
    public void scale(int dtype, MemorySegment x, double alphaF, long alphaI, MemorySegment out, long lo, long hi) {
        if (dtype != F64 || !plain(x) || !plain(out)) {
            RangeKernels.scale(dtype, x, alphaF, alphaI, out, lo, hi);
            return;
        }
        DoubleVector a = DoubleVector.broadcast(S, alphaF);
        long i = lo;
        for (; i + VL <= hi; i += VL) a.mul(DoubleVector.fromMemorySegment(S, x, 8 * (i), LE)).intoMemorySegment(out, 8 * i, LE);
        RangeKernels.scale(dtype, x, alphaF, alphaI, out, i, hi);
    }

    @Override
    public void axpy(int dtype, double alphaF, long alphaI, MemorySegment x, MemorySegment y, long lo, long hi) {
        if (dtype != F64 || !plain(x) || !plain(y)) {
            RangeKernels.axpy(dtype, alphaF, alphaI, x, y, lo, hi);
            return;
        }
        DoubleVector a = DoubleVector.broadcast(S, alphaF);
        long i = lo;
        for (; i + VL <= hi; i += VL) a.mul(DoubleVector.fromMemorySegment(S, x, 8 * (i), LE)).add(DoubleVector.fromMemorySegment(S, y, 8 * (i), LE)).intoMemorySegment(y, 8 * i, LE); // two roundings
        RangeKernels.axpy(dtype, alphaF, alphaI, x, y, i, hi);
    }
}
