package dev.paralelo.kernel;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The pure-Java kernels: the same algorithms as {@code native/src/impl.c}, operation for
 * operation, so that every result has the same bits as the native library's. Java arithmetic
 * on doubles is IEEE with no fused multiply-add unless {@link Math#fma} is called, which is
 * exactly the C library's {@code -ffp-contract=off} contract.
 *
 * <p>Threads: a call with {@code threads > 1} splits whole blocks between the caller and
 * {@code threads - 1} pooled daemon threads.
 */
public final class JavaKernels implements KernelBackend {
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "paralelo-java-kernel");
        t.setDaemon(true);
        return t;
    });

    @Override
    public String name() {
        return "java";
    }

    @Override
    public String describe() {
        return "pure-Java kernels";
    }

    // ---- element access ---------------------------------------------------------------

    private static double f(int dtype, MemorySegment x, long i) {
        return switch (dtype) {
            case F64 -> x.getAtIndex(JAVA_DOUBLE_UNALIGNED, i);
            case F32 -> x.getAtIndex(JAVA_FLOAT_UNALIGNED, i);
            case I64 -> x.getAtIndex(JAVA_LONG_UNALIGNED, i);
            default -> x.getAtIndex(JAVA_INT_UNALIGNED, i);
        };
    }

    private static long l(int dtype, MemorySegment x, long i) {
        return dtype == I64 ? x.getAtIndex(JAVA_LONG_UNALIGNED, i) : x.getAtIndex(JAVA_INT_UNALIGNED, i);
    }

    // ---- threads ----------------------------------------------------------------------

    @FunctionalInterface
    private interface RangeTask {
        void run(int id, long lo, long hi);
    }

    /** A thread that owns nothing: segments it may access are shared, not confined. */
    private static final Thread STRANGER = new Thread(() -> { });

    /** threads, or 1 if a segment is confined to the calling thread (pool threads may not touch it). */
    private static int shareable(int threads, MemorySegment... segs) {
        if (threads <= 1) return 1;
        for (MemorySegment s : segs) if (!s.isAccessibleBy(STRANGER)) return 1;
        return threads;
    }

    /** Runs task over whole-block ranges [lo, hi) of [0, n), one per thread. */
    private static void forBlocks(long n, int threads, RangeTask task) {
        long blocks = (n + BLOCK - 1) / BLOCK;
        int t = (int) Math.max(1, Math.min(threads, blocks));
        if (t == 1) {
            task.run(0, 0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(t - 1);
        for (int id = 1; id < t; id++) {
            long lo = Math.min(n, blocks * id / t * BLOCK), hi = Math.min(n, blocks * (id + 1) / t * BLOCK);
            int fid = id;
            futures.add(POOL.submit(() -> task.run(fid, lo, hi)));
        }
        task.run(0, 0, Math.min(n, blocks / t * BLOCK));
        join(futures);
    }

    private static void join(List<Future<?>> futures) {
        boolean interrupted = false;
        RuntimeException failure = null;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (failure == null) {
                        failure = c instanceof RuntimeException r ? r : new IllegalStateException(c);
                    }
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure != null) throw failure;
    }

    // ---- float sums ---------------------------------------------------------------------

    private static boolean finite(double[] s, double[] c) {
        for (int l = 0; l < LANES; l++) if (!Double.isFinite(s[l]) || !Double.isFinite(c[l])) return false;
        return true;
    }

    /**
     * A block's partial (see impl.c {@code fold}): accurate mode folds the 8 lanes by a pairwise
     * tree of TwoSums (low parts added to each pair's error); fast mode sums the lane sums in the
     * same fixed tree. Writes hi and lo to out[0], out[1].
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
        double l0 = (c[0] + c[1]) + err(s[0], s[1], h0), l1 = (c[2] + c[3]) + err(s[2], s[3], h1);
        double l2 = (c[4] + c[5]) + err(s[4], s[5], h2), l3 = (c[6] + c[7]) + err(s[6], s[7], h3);
        double g0 = h0 + h1, g1 = h2 + h3;
        double m0 = (l0 + l1) + err(h0, h1, g0), m1 = (l2 + l3) + err(h2, h3, g1);
        double hi = g0 + g1;
        out[0] = hi;
        out[1] = (m0 + m1) + err(g0, g1, hi);
    }

    /** The exact error of t = a + b (TwoSum's second half, as impl.c computes it). */
    private static double err(double a, double b, double t) {
        double z = t - a;
        return (a - (t - z)) + (b - z);
    }

    /** Lanes of fast-mode sums and dots (see impl.c {@code FAST_LANES}). */
    static final int FAST_LANES = 32;

    /** The 32 lane sums added in a fixed pairwise tree, in place (impl.c {@code tree32}). */
    static double tree32(double[] l) {
        for (int w = FAST_LANES / 2; w >= 1; w /= 2) {
            for (int j = 0; j < w; j++) l[j] = l[2 * j] + l[2 * j + 1];
        }
        return l[0];
    }

    /** A fast-mode block of a sum (y == null) or a dot: lane j takes elements j, j+32, ... */
    private static double fastBlock(int dtype, MemorySegment x, MemorySegment y, long b, int len, double[] l) {
        java.util.Arrays.fill(l, 0);
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
            l[i & (FAST_LANES - 1)] += y == null ? f(dtype, x, b + i) : f(dtype, x, b + i) * f(dtype, y, b + i);
        }
        return tree32(l);
    }

    /** Folds and adds the partial to acc; false (nothing added) if lanes or partial are not finite. */
    private static boolean foldTo(ExactSum acc, int mode, double[] s, double[] c, double[] tmp) {
        if (!finite(s, c)) return false;
        fold(mode, s, c, tmp);
        if (!Double.isFinite(tmp[0]) || !Double.isFinite(tmp[1])) return false;
        acc.add(tmp[0]);
        acc.add(tmp[1]);
        return true;
    }

    /** The lanes of one block: lane l takes elements l, l+8, ...; TwoSum per lane (see impl.c). */
    private static void sumLanes(int dtype, int mode, MemorySegment x, long b, int len, double[] s, double[] c) {
        if (dtype == F64 && mode == ACCURATE) {
            lanesF64(x, b, len, s, c);
            return;
        }
        java.util.Arrays.fill(s, 0);
        java.util.Arrays.fill(c, 0);
        if (mode == ACCURATE) {
            for (int i = 0; i < len; i++) {
                int j = i & (LANES - 1);
                double v = f(dtype, x, b + i), sj = s[j];
                double t = sj + v;
                double z = t - sj;
                c[j] += (sj - (t - z)) + (v - z);
                s[j] = t;
            }
        } else {
            for (int i = 0; i < len; i++) s[i & (LANES - 1)] += f(dtype, x, b + i);
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

    private static void sumRange(int dtype, int mode, MemorySegment x, long lo, long hi, ExactSum acc) {
        double[] s = new double[LANES], c = new double[LANES], tmp = new double[2], l = new double[FAST_LANES];
        for (long b = lo; b < hi; b += BLOCK) {
            int len = (int) Math.min(BLOCK, hi - b);
            if (mode == FAST) {
                double v = fastBlock(dtype, x, null, b, len, l);
                if (Double.isFinite(v)) {
                    acc.add(v);
                } else {
                    for (int i = 0; i < len; i++) acc.add(f(dtype, x, b + i));
                }
                continue;
            }
            sumLanes(dtype, mode, x, b, len, s, c);
            if (!foldTo(acc, mode, s, c, tmp)) {
                // Not finite in a lane: this block's terms go in exactly (see impl.c).
                for (int i = 0; i < len; i++) acc.add(f(dtype, x, b + i));
            }
        }
    }

    /** A float sum of at most one block without the accumulator: out[0] = hi + lo, false when the partial is not finite. */
    private static boolean sumSmall(int dtype, int mode, MemorySegment x, int n, double[] out) {
        if (mode == FAST) {
            double v = fastBlock(dtype, x, null, 0, n, new double[FAST_LANES]);
            out[0] = v + 0.0;
            return Double.isFinite(v);
        }
        double[] s = new double[LANES], c = new double[LANES];
        sumLanes(dtype, mode, x, 0, n, s, c);
        if (!finite(s, c)) return false;
        fold(mode, s, c, out);
        if (!Double.isFinite(out[0]) || !Double.isFinite(out[1])) return false;
        out[0] = out[0] + out[1];
        return true;
    }

    /** The float sum of x[0, n), rounded once. */
    private static double floatSum(int dtype, int mode, MemorySegment x, long n, int threads) {
        if (n <= BLOCK) {
            double[] out = new double[2];
            if (sumSmall(dtype, mode, x, (int) n, out)) return out[0];
        }
        return sum(dtype, mode, x, n, threads).round();
    }

    private static ExactSum sum(int dtype, int mode, MemorySegment x, long n, int threads) {
        ExactSum total = new ExactSum();
        forBlocks(n, threads, (id, lo, hi) -> {
            ExactSum mine = new ExactSum();
            sumRange(dtype, mode, x, lo, hi, mine);
            synchronized (total) {
                total.merge(mine);
            }
        });
        return total;
    }

    @Override
    public void sumPartial(int dtype, MemorySegment x, long n, int mode, int threads, ExactSum acc) {
        acc.merge(sum(dtype, mode, x, n, shareable(threads, x)));
    }

    // ---- integer sums -------------------------------------------------------------------

    private static Int128 isum(int dtype, MemorySegment x, long lo, long hi) {
        Int128 total = new Int128();
        if (dtype == I32) {
            for (long b = lo; b < hi; b += BLOCK) {
                long e = Math.min(hi, b + BLOCK), s = 0;
                for (long i = b; i < e; i++) s += x.getAtIndex(JAVA_INT_UNALIGNED, i);
                total.add(s);
            }
        } else {
            for (long i = lo; i < hi; i++) total.add(x.getAtIndex(JAVA_LONG_UNALIGNED, i));
        }
        return total;
    }

    private static Int128 isum(int dtype, MemorySegment x, long n, int threads) {
        Int128 total = new Int128();
        forBlocks(n, threads, (id, lo, hi) -> {
            Int128 mine = isum(dtype, x, lo, hi);
            synchronized (total) {
                total.add(mine);
            }
        });
        return total;
    }

    // ---- min / max ------------------------------------------------------------------------

    /** Float min or max over [a, b) with NaN and signed-zero rules of impl.c (Math.min/max). */
    private static double fext(int dtype, int op, MemorySegment x, long a, long b) {
        double r = f(dtype, x, a);
        boolean nan = r != r;
        for (long i = a + 1; i < b; i++) {
            double v = f(dtype, x, i);
            nan |= v != v;
            if (op == MIN ? v < r : v > r) r = v;
        }
        if (nan) return Double.NaN;
        if (r == 0) {
            boolean wantNeg = op == MIN;
            for (long i = a; i < b; i++) {
                double v = f(dtype, x, i);
                if (v == 0 && (Double.doubleToRawLongBits(v) < 0) == wantNeg) return v;
            }
        }
        return r;
    }

    private static long iext(int dtype, int op, MemorySegment x, long a, long b) {
        long r = l(dtype, x, a);
        for (long i = a + 1; i < b; i++) {
            long v = l(dtype, x, i);
            if (op == MIN ? v < r : v > r) r = v;
        }
        return r;
    }

    @Override
    public double reduceDouble(int dtype, int op, MemorySegment x, long n, int mode, int threads) {
        boolean fl = dtype == F64 || dtype == F32;
        if (op == MIN || op == MAX) return fext(dtype, op, x, 0, n);
        int t = shareable(threads, x);
        if (!fl) return isum(dtype, x, n, t).toDouble() / n;
        double s = floatSum(dtype, mode, x, n, t);
        return op == SUM ? s : s / n;
    }

    @Override
    public long reduceLong(int dtype, int op, MemorySegment x, long n, int threads) {
        if (op == MIN || op == MAX) return iext(dtype, op, x, 0, n);
        return isum(dtype, x, n, shareable(threads, x)).toLongExact("sum");
    }

    // ---- variance -------------------------------------------------------------------------

    @Override
    public double variance(int dtype, MemorySegment x, long n, int ddof, int mode, int threads) {
        if (n - ddof <= 0) return Double.NaN;
        threads = shareable(threads, x);
        boolean fl = dtype == F64 || dtype == F32;
        double mean = fl ? floatSum(dtype, mode, x, n, threads) / n : isum(dtype, x, n, threads).toDouble() / n;
        if (!Double.isFinite(mean)) return Double.NaN;
        ExactSum q = new ExactSum(), d = new ExactSum();
        forBlocks(n, threads, (id, lo, hi) -> {
            ExactSum mq = new ExactSum(), md = new ExactSum();
            double[] sq = new double[LANES], cq = new double[LANES], sd = new double[LANES], cd = new double[LANES];
            double[] fq = new double[2], fd = new double[2];
            for (long b = lo; b < hi; b += BLOCK) {
                int len = (int) Math.min(BLOCK, hi - b);
                java.util.Arrays.fill(sq, 0);
                java.util.Arrays.fill(cq, 0);
                java.util.Arrays.fill(sd, 0);
                java.util.Arrays.fill(cd, 0);
                for (int i = 0; i < len; i++) {
                    int j = i & (LANES - 1);
                    double dv = f(dtype, x, b + i) - mean;
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
                boolean ok = finite(sq, cq) && finite(sd, cd);
                if (ok) {
                    fold(mode, sq, cq, fq);
                    fold(mode, sd, cd, fd);
                    ok = Double.isFinite(fq[0]) && Double.isFinite(fq[1]) && Double.isFinite(fd[0]) && Double.isFinite(fd[1]);
                }
                if (ok) {
                    mq.add(fq[0]);
                    mq.add(fq[1]);
                    md.add(fd[0]);
                    md.add(fd[1]);
                } else {
                    for (int i = 0; i < len; i++) {
                        double dv = f(dtype, x, b + i) - mean;
                        mq.add(dv * dv);
                        md.add(dv);
                    }
                }
            }
            synchronized (q) {
                q.merge(mq);
                d.merge(md);
            }
        });
        double sq = q.round(), sd = d.round();
        return (sq - sd * sd / n) / (n - ddof);
    }

    // ---- dot ------------------------------------------------------------------------------

    @Override
    public double dotDouble(int dtype, MemorySegment x, MemorySegment y, long n, int mode, int threads) {
        threads = shareable(threads, x, y);
        ExactSum total = new ExactSum();
        forBlocks(n, threads, (id, lo, hi) -> {
            ExactSum mine = new ExactSum();
            double[] s = new double[LANES], c = new double[LANES], tmp = new double[2], l = new double[FAST_LANES];
            for (long b = lo; b < hi; b += BLOCK) {
                int len = (int) Math.min(BLOCK, hi - b);
                if (mode == FAST) {
                    double v = fastBlock(dtype, x, y, b, len, l);
                    if (Double.isFinite(v)) {
                        mine.add(v);
                    } else {
                        for (int i = 0; i < len; i++) mine.add(f(dtype, x, b + i) * f(dtype, y, b + i));
                    }
                    continue;
                }
                java.util.Arrays.fill(s, 0);
                java.util.Arrays.fill(c, 0);
                for (int i = 0; i < len; i++) {
                    int j = i & (LANES - 1);
                    double u = f(dtype, x, b + i), v = f(dtype, y, b + i);
                    double p = u * v;
                    if (mode == ACCURATE) {
                        double s0 = s[j], t = s0 + p, z = t - s0;
                        c[j] += (s0 - (t - z)) + (p - z);
                        s[j] = t;
                        if (dtype == F64) c[j] += Math.fma(u, v, -p);
                    } else {
                        s[j] += p;
                    }
                }
                if (!foldTo(mine, mode, s, c, tmp)) {
                    for (int i = 0; i < len; i++) {
                        double u = f(dtype, x, b + i), v = f(dtype, y, b + i);
                        double p = u * v;
                        mine.add(p);
                        if (dtype == F64 && Double.isFinite(p)) mine.add(Math.fma(u, v, -p));
                    }
                }
            }
            synchronized (total) {
                total.merge(mine);
            }
        });
        return total.round();
    }

    @Override
    public long dotLong(int dtype, MemorySegment x, MemorySegment y, long n, int threads) {
        threads = shareable(threads, x, y);
        Int128 total = new Int128();
        forBlocks(n, threads, (id, lo, hi) -> {
            Int128 mine = new Int128();
            for (long i = lo; i < hi; i++) mine.addProduct(l(dtype, x, i), l(dtype, y, i));
            synchronized (total) {
                total.add(mine);
            }
        });
        return total.toLongExact("dot");
    }

    // ---- elementwise --------------------------------------------------------------------------

    @Override
    public void binary(int dtype, int op, MemorySegment a, MemorySegment b, MemorySegment out, long n, int threads) {
        forBlocks(n, shareable(threads, a, b, out), (id, lo, hi) -> {
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
        });
    }

    @Override
    public void scale(int dtype, MemorySegment x, double alphaF, long alphaI, MemorySegment out, long n, int threads) {
        float af32 = (float) alphaF;
        forBlocks(n, shareable(threads, x, out), (id, lo, hi) -> {
            for (long i = lo; i < hi; i++) {
                switch (dtype) {
                    case F64 -> out.setAtIndex(JAVA_DOUBLE_UNALIGNED, i, alphaF * x.getAtIndex(JAVA_DOUBLE_UNALIGNED, i));
                    case F32 -> out.setAtIndex(JAVA_FLOAT_UNALIGNED, i, af32 * x.getAtIndex(JAVA_FLOAT_UNALIGNED, i));
                    case I64 -> out.setAtIndex(JAVA_LONG_UNALIGNED, i, alphaI * x.getAtIndex(JAVA_LONG_UNALIGNED, i));
                    default -> out.setAtIndex(JAVA_INT_UNALIGNED, i, (int) alphaI * x.getAtIndex(JAVA_INT_UNALIGNED, i));
                }
            }
        });
    }

    @Override
    public void axpy(int dtype, double alphaF, long alphaI, MemorySegment x, MemorySegment y, long n, int threads) {
        float af32 = (float) alphaF;
        forBlocks(n, shareable(threads, x, y), (id, lo, hi) -> {
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
        });
    }

    @Override
    public void fill(int dtype, MemorySegment out, double valueF, long valueI, long n, int threads) {
        long size = dtype == F64 || dtype == I64 ? 8 : 4;
        MemorySegment view = out.asSlice(0, n * size);
        threads = shareable(threads, out);
        switch (dtype) {
            case F64 -> forBlocks(n, threads, (id, lo, hi) -> {
                for (long i = lo; i < hi; i++) view.setAtIndex(JAVA_DOUBLE_UNALIGNED, i, valueF);
            });
            case F32 -> forBlocks(n, threads, (id, lo, hi) -> {
                for (long i = lo; i < hi; i++) view.setAtIndex(JAVA_FLOAT_UNALIGNED, i, (float) valueF);
            });
            case I64 -> forBlocks(n, threads, (id, lo, hi) -> {
                for (long i = lo; i < hi; i++) view.setAtIndex(JAVA_LONG_UNALIGNED, i, valueI);
            });
            default -> forBlocks(n, threads, (id, lo, hi) -> {
                for (long i = lo; i < hi; i++) view.setAtIndex(JAVA_INT_UNALIGNED, i, (int) valueI);
            });
        }
    }

    @Override
    public void copy(int dtype, MemorySegment src, MemorySegment dst, long n, int threads) {
        long size = dtype == F64 || dtype == I64 ? 8 : 4;
        MemorySegment.copy(src, 0, dst, 0, n * size); // handles overlap like memmove
    }

    // ---- slices ---------------------------------------------------------------------------

    /** Sum of x[a, b): 8 TwoSum lanes restarted at a, folded in lane order (see impl.c). */
    private static double sliceSum(int dtype, MemorySegment x, long a, long b) {
        double[] s = new double[LANES], c = new double[LANES];
        for (long i = 0; i < b - a; i++) {
            int j = (int) (i & (LANES - 1));
            double v = f(dtype, x, a + i), sj = s[j];
            double t = sj + v, z = t - sj;
            c[j] += (sj - (t - z)) + (v - z);
            s[j] = t;
        }
        double[] f = new double[2];
        if (finite(s, c)) {
            fold(ACCURATE, s, c, f);
            if (Double.isFinite(f[0]) && Double.isFinite(f[1])) return f[0] + f[1];
        }
        ExactSum acc = new ExactSum();
        for (long i = a; i < b; i++) acc.add(f(dtype, x, i));
        return acc.round();
    }

    private static void sliceOne(int dtype, int op, MemorySegment x, long a, long b, MemorySegment out, long j) {
        long len = b - a;
        if (dtype == F64 || dtype == F32) {
            if (op == SUM || op == MEAN) {
                double s = sliceSum(dtype, x, a, b);
                out.setAtIndex(JAVA_DOUBLE_UNALIGNED, j, op == SUM ? s : s / len);
            } else if (dtype == F64) {
                out.setAtIndex(JAVA_DOUBLE_UNALIGNED, j, fext(dtype, op, x, a, b));
            } else {
                out.setAtIndex(JAVA_FLOAT_UNALIGNED, j, (float) fext(dtype, op, x, a, b));
            }
            return;
        }
        if (op == SUM || op == MEAN) {
            Int128 s = isum(dtype, x, a, b);
            if (op == MEAN) out.setAtIndex(JAVA_DOUBLE_UNALIGNED, j, s.toDouble() / len);
            else out.setAtIndex(JAVA_LONG_UNALIGNED, j, s.toLongExact("slice sum " + j));
            return;
        }
        long r = iext(dtype, op, x, a, b);
        if (dtype == I64) out.setAtIndex(JAVA_LONG_UNALIGNED, j, r);
        else out.setAtIndex(JAVA_INT_UNALIGNED, j, (int) r);
    }

    @Override
    public void sliceReduce(int dtype, int op, MemorySegment x, long n, long k, MemorySegment out, int threads) {
        long m = n / k + (n % k != 0 ? 1 : 0);
        forBlocks(m, shareable(threads, x, out), (id, lo, hi) -> {
            for (long j = lo; j < hi; j++) sliceOne(dtype, op, x, j * k, Math.min(n, j * k + k), out, j);
        });
    }

    @Override
    public void reduceAt(int dtype, int op, MemorySegment x, long n, MemorySegment offsets, long m,
            MemorySegment out, int threads) {
        forBlocks(m, shareable(threads, x, offsets, out), (id, lo, hi) -> {
            for (long j = lo; j < hi; j++) {
                long a = offsets.getAtIndex(JAVA_LONG_UNALIGNED, j);
                long b = j + 1 < m ? offsets.getAtIndex(JAVA_LONG_UNALIGNED, j + 1) : n;
                sliceOne(dtype, op, x, a, b <= a ? a + 1 : b, out, j);
            }
        });
    }
}
