package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.NativeKernels;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The same bits for every thread count (1, 2, 3, 4, 7, 16), every SIMD level the CPU has, and
 * native against Java; for sums, means, variances and dots in both modes, f64 and f32.
 */
class ReproducibilityTest {
    private static final int[] THREADS = {1, 2, 3, 4, 7, 16};

    private interface Op {
        double apply(KernelBackend b, int threads);
    }

    private static void sameEverywhere(String what, Op op) {
        KernelBackend nat = Backends.nativeKernels(), java = Backends.javaKernels();
        int top = NativeKernels.cpuLevel();
        long want = Double.doubleToRawLongBits(op.apply(java, 1));
        try {
            for (int level = 0; level <= top; level++) {
                NativeKernels.setLevel(level);
                for (int t : THREADS) {
                    assertEquals(want, Double.doubleToRawLongBits(op.apply(nat, t)),
                            what + ": native, " + NativeKernels.levelName(level) + ", " + t + " threads");
                }
            }
        } finally {
            NativeKernels.setLevel(top);
        }
        for (int t : THREADS) assertEquals(want, Double.doubleToRawLongBits(op.apply(java, t)), what + ": java, " + t + " threads");
        KernelBackend vector = Backends.vectorKernels();
        for (int t : THREADS) assertEquals(want, Double.doubleToRawLongBits(op.apply(vector, t)), what + ": vector, " + t + " threads");
    }

    @Test
    void everyFloatReductionIsBitIdentical() {
        for (int n : new int[] {1, 7, 65, 4097, 40_961, 100_003, 1 << 20}) {
            double[] x = Data.illConditioned(n, n), y = Data.uniform(n, n + 1);
            MemorySegment fx = Data.f64(x).segment(), fy = Data.f64(y).segment();
            MemorySegment gx = Data.f32(x).segment(), gy = Data.f32(y).segment();
            for (int mode = 0; mode <= 1; mode++) {
                int m = mode;
                String tag = "n=" + n + (m == 0 ? " accurate" : " fast");
                sameEverywhere("sum f64 " + tag, (b, t) -> b.reduceDouble(KernelBackend.F64, KernelBackend.SUM, fx, n, m, t));
                sameEverywhere("sum f32 " + tag, (b, t) -> b.reduceDouble(KernelBackend.F32, KernelBackend.SUM, gx, n, m, t));
                sameEverywhere("mean f64 " + tag, (b, t) -> b.reduceDouble(KernelBackend.F64, KernelBackend.MEAN, fx, n, m, t));
                sameEverywhere("var f64 " + tag, (b, t) -> b.variance(KernelBackend.F64, fy, n, 1, m, t));
                sameEverywhere("var f32 " + tag, (b, t) -> b.variance(KernelBackend.F32, gy, n, 0, m, t));
                sameEverywhere("dot f64 " + tag, (b, t) -> b.dotDouble(KernelBackend.F64, fx, fy, n, m, t));
                sameEverywhere("dot f32 " + tag, (b, t) -> b.dotDouble(KernelBackend.F32, gx, gy, n, m, t));
            }
            sameEverywhere("min f64 n=" + n, (b, t) -> b.reduceDouble(KernelBackend.F64, KernelBackend.MIN, fx, n, 0, t));
        }
    }

    @Test
    void partialsOfBlockAlignedRangesMergeToTheWholeSum() {
        int n = 10 * KernelBackend.BLOCK + 123;
        double[] x = Data.illConditioned(n, 99);
        F64Array a = Data.f64(x);
        Kernels k = Kernels.using(Backends.nativeKernels());
        double whole = k.sum(a);
        // Two "workers" sum block-aligned halves, possibly with different implementations.
        long cut = 4L * KernelBackend.BLOCK;
        Partial left = Kernels.using(Backends.javaKernels()).partial(Reduction.SUM, a, new BlockRange(0, cut));
        Partial right = k.partial(Reduction.SUM, a, new BlockRange(cut, n));
        assertEquals(Double.doubleToRawLongBits(whole), Double.doubleToRawLongBits(((ExactSum) right.merge(left)).round()));
    }

    @Test
    void largeHeapArraysGiveTheSameBitsAsOffHeapOnes() {
        int n = (1 << 20) + 3; // above the critical limit: chunked critical partials or the Java kernels
        double[] x = Data.illConditioned(n, 5), y = Data.uniform(n, 6);
        Kernels k = Kernels.using(Backends.nativeKernels());
        F64Array hx = F64Array.wrap(x), hy = F64Array.wrap(y), ox = Data.f64(x), oy = Data.f64(y);
        for (SumMode m : SumMode.values()) {
            Kernels km = k.withMode(m);
            assertEquals(Double.doubleToRawLongBits(km.sum(ox)), Double.doubleToRawLongBits(km.sum(hx)), "sum " + m);
            assertEquals(Double.doubleToRawLongBits(km.mean(ox)), Double.doubleToRawLongBits(km.mean(hx)), "mean " + m);
            assertEquals(Double.doubleToRawLongBits(km.variance(ox)), Double.doubleToRawLongBits(km.variance(hx)), "var " + m);
            assertEquals(Double.doubleToRawLongBits(km.dot(ox, oy)), Double.doubleToRawLongBits(km.dot(hx, hy)), "dot " + m);
        }
        F64Array ho = F64Array.wrap(new double[n]), oo = F64Array.allocate(n);
        k.reduceSlices(SliceOp.SUM, hx, 64, F64Array.wrap(new double[(n + 63) / 64]));
        k.add(hx, hy, ho);
        k.add(ox, oy, oo);
        assertEquals(java.util.Arrays.hashCode(oo.toArray()), java.util.Arrays.hashCode(ho.toArray()));
    }
}
