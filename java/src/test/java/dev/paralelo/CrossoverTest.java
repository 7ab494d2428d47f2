package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.Crossover;
import dev.paralelo.kernel.NativeKernels;
import org.junit.jupiter.api.Test;

/**
 * Below the crossover the native provider runs small calls on the Vector API kernels: the same
 * bits on both sides of every threshold, for every kernel in the table.
 */
class CrossoverTest {
    @Test
    void smallCallsGiveTheSameBitsOnEitherPath() {
        Kernels crossing = Kernels.using(new NativeKernels(true)), downcalling = Kernels.using(new NativeKernels(false));
        assertTrue(Crossover.below("sum-fast.f64") > 0, "the table has entries: " + Crossover.describe());
        for (int n : new int[] {1, 7, 16, 63, 64, 65, 255, 256, 257, 1023, 1024, 1025, 2047, 2048, 2049, 4096, 4097, 8192, 8193}) {
            F64Array x = Data.f64(Data.illConditioned(n, n)), y = Data.f64(Data.uniform(n, n + 1));
            for (SumMode m : SumMode.values()) {
                Kernels a = crossing.withMode(m), b = downcalling.withMode(m);
                String tag = "n=" + n + " " + m;
                assertEquals(Double.doubleToRawLongBits(b.sum(x)), Double.doubleToRawLongBits(a.sum(x)), "sum " + tag);
                assertEquals(Double.doubleToRawLongBits(b.mean(x)), Double.doubleToRawLongBits(a.mean(x)), "mean " + tag);
                assertEquals(Double.doubleToRawLongBits(b.dot(x, y)), Double.doubleToRawLongBits(a.dot(x, y)), "dot " + tag);
                assertEquals(Double.doubleToRawLongBits(b.variance(x)), Double.doubleToRawLongBits(a.variance(x)), "var " + tag);
                assertEquals(Double.doubleToRawLongBits(b.min(x)), Double.doubleToRawLongBits(a.min(x)), "min " + tag);
                assertEquals(Double.doubleToRawLongBits(b.max(x)), Double.doubleToRawLongBits(a.max(x)), "max " + tag);
            }
            F32Array xf = Data.f32(Data.illConditioned(n, n + 2)), yf = Data.f32(Data.uniform(n, n + 3));
            for (SumMode m : SumMode.values()) {
                Kernels a = crossing.withMode(m), b = downcalling.withMode(m);
                String tag = "f32 n=" + n + " " + m;
                assertEquals(Double.doubleToRawLongBits(b.sum(xf)), Double.doubleToRawLongBits(a.sum(xf)), "sum " + tag);
                assertEquals(Double.doubleToRawLongBits(b.mean(xf)), Double.doubleToRawLongBits(a.mean(xf)), "mean " + tag);
                assertEquals(Double.doubleToRawLongBits(b.dot(xf, yf)), Double.doubleToRawLongBits(a.dot(xf, yf)), "dot " + tag);
            }
            F64Array oa = F64Array.allocate(n), ob = F64Array.allocate(n);
            crossing.mul(x, y, oa);
            downcalling.mul(x, y, ob);
            assertEquals(java.util.Arrays.toString(ob.toArray()), java.util.Arrays.toString(oa.toArray()), "mul n=" + n);
        }
    }
}
