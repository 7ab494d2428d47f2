package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Float sums of 2 to 32 blocks on one thread skip the accumulator, and so do float dots of up to
 * 32 blocks (one block: its hi and lo added): their block partials are
 * summed exactly by a short list of partials (FewSum, reduce.c's few_sum) and rounded once. Each
 * block here holds one value, so the partials are chosen outright (ties for round to even,
 * cancellations, subnormals, values near overflow); every implementation's sum and mean must
 * have the bits of the accumulator's, which a partial state's {@link ExactSum#round()} and
 * {@link ExactSum#mean(long)} give.
 */
class FewBlocksTest {
    private static double randomDouble(SplittableRandom r, int lo, int hi) {
        double m = 1.0 + (r.nextLong() >>> 12) * 0x1p-52;
        double v = Math.scalb(m, lo + r.nextInt(hi - lo + 1));
        return r.nextBoolean() ? -v : v;
    }

    private static double blockValue(SplittableRandom r, double[] earlier, int k) {
        double prev = k > 0 ? earlier[r.nextInt(k)] : 1.0;
        return switch (r.nextInt(7)) {
            case 0 -> randomDouble(r, -1074, 1023);
            case 1 -> randomDouble(r, -3, 3);
            case 2 -> -prev;
            case 3 -> Math.scalb(prev, -53) * (r.nextBoolean() ? 1 : -1);
            case 4 -> Math.scalb(prev, -54 - r.nextInt(60));
            case 5 -> randomDouble(r, -1074, -1023);
            default -> randomDouble(r, 1020, 1023);
        };
    }

    /** Whole blocks of random data, so that accurate block partials have a nonzero low part too. */
    @Test
    void sumsOfFewBlocksOfRandomDataHaveTheAccumulatorsBits() {
        SplittableRandom r = new SplittableRandom(7);
        Kernels[] ks = {Kernels.using(Implementation.NATIVE), Kernels.using(Implementation.VECTOR), Kernels.using(Implementation.SCALAR)};
        for (int c = 0; c < 300; c++) {
            long n = 4097 + r.nextInt(32 * 4096 - 4096);
            F64Array x = F64Array.allocate(Arena.ofAuto(), n);
            int scale = r.nextInt(600) - 300;
            for (long i = 0; i < n; i++) x.set(i, Math.scalb(r.nextGaussian() + (c % 3 == 0 ? 1e3 : 0), scale + r.nextInt(40)));
            NumArray data = c % 2 == 0 ? x : x.slice(1 + r.nextInt(7), n);
            for (Kernels base : ks) {
                for (SumMode mode : SumMode.values()) {
                    Kernels k = base.withMode(mode).withThreads(1);
                    ExactSum acc = (ExactSum) k.partial(Reduction.SUM, data);
                    assertEquals(Double.doubleToRawLongBits(acc.round()), Double.doubleToRawLongBits(k.sum(data)),
                            k.implementation() + " " + mode + " case " + c + " n=" + data.length());
                    assertEquals(Double.doubleToRawLongBits(acc.mean(data.length())), Double.doubleToRawLongBits(k.mean(data)),
                            k.implementation() + " " + mode + " mean, case " + c);
                }
            }
        }
    }

    @Test
    void sumsOfFewBlocksHaveTheAccumulatorsBits() {
        SplittableRandom r = new SplittableRandom(42);
        int most = 32 * 4096;
        F64Array x = F64Array.allocate(Arena.ofAuto(), most);
        F32Array xf = F32Array.allocate(Arena.ofAuto(), most);
        Kernels[] ks = {Kernels.using(Implementation.NATIVE), Kernels.using(Implementation.VECTOR), Kernels.using(Implementation.SCALAR)};
        int finite = 0, cases = 3000;
        for (int c = 0; c < cases; c++) {
            int blocks = 2 + r.nextInt(31);
            long n = blocks * 4096L - (r.nextInt(3) == 0 ? r.nextInt(4095) : 0);
            boolean f32 = c % 4 == 3;
            SumMode mode = c % 2 == 0 ? SumMode.FAST : SumMode.ACCURATE;
            double[] vals = new double[blocks];
            long[] at = new long[blocks];
            for (int k = 0; k < blocks; k++) {
                double v = blockValue(r, vals, k);
                if (f32) v = (float) v;
                vals[k] = v;
                long len = Math.min(4096, n - k * 4096L);
                at[k] = k * 4096L + r.nextInt((int) len);
                if (f32) xf.set(at[k], (float) v);
                else x.set(at[k], v);
            }
            NumArray data = f32 ? xf.slice(0, n) : x.slice(0, n);
            for (Kernels base : ks) {
                Kernels k = base.withMode(mode).withThreads(1);
                ExactSum acc = (ExactSum) k.partial(Reduction.SUM, data);
                String what = k.implementation() + " case " + c + " (" + blocks + " blocks, " + (f32 ? "f32 " : "f64 ") + mode + ")";
                assertEquals(Double.doubleToRawLongBits(acc.round()), Double.doubleToRawLongBits(k.sum(data)), what + ": sum");
                double mean = k.mean(data), want = acc.mean(n);
                assertTrue(Double.doubleToRawLongBits(mean) == Double.doubleToRawLongBits(want) || (Double.isNaN(mean) && Double.isNaN(want)),
                        what + ": mean " + mean + ", accumulator " + want);
            }
            double s = ks[0].withMode(mode).sum(data);
            if (Double.isFinite(s) && Math.abs(s) < Double.MAX_VALUE) finite++;
            for (int k = 0; k < blocks; k++) {
                x.set(at[k], 0);
                xf.set(at[k], 0f);
            }
        }
        assertTrue(finite > cases / 2, "most cases take the short way: " + finite + " of " + cases);
    }

    /**
     * Dots of up to 32 blocks on one thread skip the accumulator too: every implementation's dot
     * must have the bits of the accumulator's ({@link ExactSum#round()} of the partial state),
     * for blocks whose value is chosen outright (x holds one value a block, y ones), blocks of
     * random products (partials with a low part), and blocks with a tiny or an overflowing
     * product (exact products), on off-heap and heap arrays (the vector kernels copy a heap
     * array's blocks first).
     */
    @Test
    void dotsOfFewBlocksHaveTheAccumulatorsBits() {
        SplittableRandom r = new SplittableRandom(11);
        int most = 32 * 4096;
        Kernels[] ks = {Kernels.using(Implementation.NATIVE), Kernels.using(Implementation.VECTOR), Kernels.using(Implementation.SCALAR)};
        int finite = 0, cases = 1200;
        for (int c = 0; c < cases; c++) {
            int blocks = 1 + r.nextInt(32);
            int n = blocks * 4096 - (r.nextInt(3) == 0 ? r.nextInt(4096) : 0);
            if (blocks == 1 && r.nextBoolean()) n = r.nextInt(300);
            boolean f32 = c % 4 == 3, heap = c % 5 == 4;
            SumMode mode = c % 2 == 0 ? SumMode.FAST : SumMode.ACCURATE;
            int shape = r.nextInt(4); // 0, 1: one value a block; 2: random products; 3: a tiny or huge product
            double[] xs = new double[n], ys = new double[n], vals = new double[blocks];
            for (int i = 0; i < n; i++) {
                xs[i] = shape >= 2 ? randomDouble(r, -30, 30) : 0;
                ys[i] = shape >= 2 ? randomDouble(r, -30, 30) : 1;
            }
            for (int k = 0; shape < 2 && k < blocks && k * 4096 < n; k++) {
                vals[k] = blockValue(r, vals, k);
                xs[k * 4096 + r.nextInt(Math.min(4096, n - k * 4096))] = vals[k];
            }
            if (shape == 3 && n > 0) {
                int at = r.nextInt(n);
                xs[at] = r.nextBoolean() ? 0x1p-520 : 0x1p600;
                ys[at] = r.nextBoolean() ? 0x1p-500 : 0x1p500;
            }
            NumArray x, y;
            if (f32) {
                float[] xf = new float[n], yf = new float[n];
                for (int i = 0; i < n; i++) {
                    xf[i] = (float) xs[i];
                    yf[i] = (float) ys[i];
                }
                x = heap ? F32Array.wrap(xf) : copy(xf);
                y = heap ? F32Array.wrap(yf) : copy(yf);
            } else {
                x = heap ? F64Array.wrap(xs) : copy(xs);
                y = heap ? F64Array.wrap(ys) : copy(ys);
            }
            for (Kernels base : ks) {
                Kernels k = base.withMode(mode).withThreads(1);
                ExactSum acc = (ExactSum) k.partial(Reduction.DOT, x, y, BlockPartition.whole(n));
                String what = k.implementation() + " case " + c + " (n=" + n + ", shape " + shape + ", " + (f32 ? "f32 " : "f64 ") + mode
                        + (heap ? ", heap" : "") + ")";
                double got = k.dot(x, y), want = acc.round();
                assertTrue(Double.doubleToRawLongBits(got) == Double.doubleToRawLongBits(want) || (Double.isNaN(got) && Double.isNaN(want)),
                        what + ": dot " + got + ", accumulator " + want);
            }
            double d = ks[0].withMode(mode).dot(x, y);
            if (Double.isFinite(d) && Math.abs(d) < Double.MAX_VALUE) finite++;
        }
        assertTrue(finite > cases / 2, "most cases take the short way: " + finite + " of " + cases);
    }

    /**
     * Float variances of up to 32 blocks on one thread skip the centred state's accumulators too
     * (their sums rounded from the blocks' partials): every implementation must keep the bits of
     * the partial states' path (centre, pass, recentre when asked, pass, finish), for data near
     * the sample's centre, a misleading sample (a second pass), huge deviations (scaled sums),
     * constant data, an infinity or a NaN, on off-heap and heap arrays.
     */
    @Test
    void variancesOfFewBlocksHaveTheStatesBits() {
        SplittableRandom r = new SplittableRandom(13);
        Kernels[] ks = {Kernels.using(Implementation.NATIVE), Kernels.using(Implementation.VECTOR), Kernels.using(Implementation.SCALAR)};
        int finite = 0, cases = 400;
        for (int c = 0; c < cases; c++) {
            int n = c % 4 == 0 ? 1 + r.nextInt(300) : 1 + r.nextInt(32 * 4096 + 5);
            int shape = r.nextInt(6), ddof = r.nextInt(2);
            boolean f32 = c % 3 == 2, heap = c % 5 == 4;
            SumMode mode = c % 2 == 0 ? SumMode.FAST : SumMode.ACCURATE;
            double base = randomDouble(r, -10, 30);
            double[] xs = new double[n];
            for (int i = 0; i < n; i++) {
                xs[i] = switch (shape) {
                    case 0 -> base + randomDouble(r, -5, 5);
                    case 1 -> randomDouble(r, 500, 506); // sums the finish scales: the state's path
                    case 2 -> base;
                    default -> base + randomDouble(r, -3, 3);
                };
            }
            if (shape == 3 && n > 4096) for (long at : Kernels.varianceSample(n)) xs[(int) at] = base + 1e6; // a second pass
            if (c % 8 == 7) xs[r.nextInt(n)] = r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NaN;
            NumArray x;
            if (f32) {
                float[] xf = new float[n];
                for (int i = 0; i < n; i++) xf[i] = (float) xs[i];
                x = heap ? F32Array.wrap(xf) : copy(xf);
            } else {
                x = heap ? F64Array.wrap(xs) : copy(xs);
            }
            for (Kernels base0 : ks) {
                Kernels k = base0.withMode(mode).withThreads(1);
                double want = Double.NaN;
                if (n - ddof > 0) {
                    CenteredSums st = k.partialAround(x, BlockPartition.whole(n), k.varianceCenter(x));
                    java.util.OptionalDouble next = st.recenter();
                    if (next.isPresent()) st = k.partialAround(x, BlockPartition.whole(n), next.getAsDouble());
                    want = st.variance(ddof);
                }
                double got = k.variance(x, ddof);
                assertTrue(Double.doubleToRawLongBits(got) == Double.doubleToRawLongBits(want) || (Double.isNaN(got) && Double.isNaN(want)),
                        k.implementation() + " case " + c + " (n=" + n + ", shape " + shape + ", " + (f32 ? "f32 " : "f64 ") + mode + ", ddof "
                                + ddof + (heap ? ", heap" : "") + "): variance " + got + ", state " + want);
            }
            if (Double.isFinite(ks[0].withMode(mode).variance(x, ddof))) finite++;
        }
        assertTrue(finite > cases / 2, "most cases are finite: " + finite + " of " + cases);
    }

    private static F64Array copy(double[] v) {
        F64Array a = F64Array.allocate(Arena.ofAuto(), v.length);
        for (int i = 0; i < v.length; i++) a.set(i, v[i]);
        return a;
    }

    private static F32Array copy(float[] v) {
        F32Array a = F32Array.allocate(Arena.ofAuto(), v.length);
        for (int i = 0; i < v.length; i++) a.set(i, v[i]);
        return a;
    }
}
