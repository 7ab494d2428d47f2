package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.paralelo.kernel.KernelBackend;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Elementwise kernels of every type against plain loops, on both implementations. */
class ElementwiseTest {
    static java.util.stream.Stream<KernelBackend> backends() {
        return Backends.all();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void f64(KernelBackend b) {
        Kernels k = Kernels.using(b);
        for (int n : Data.SIZES) {
            double[] x = Data.uniform(n, n), y = Data.uniform(n, n + 1), want = new double[n];
            F64Array a = Data.f64(x), c = Data.f64(y), out = F64Array.allocate(n);
            k.add(a, c, out);
            for (int i = 0; i < n; i++) want[i] = x[i] + y[i];
            assertArrayEquals(want, out.toArray(), "add n=" + n);
            k.sub(a, c, out);
            for (int i = 0; i < n; i++) want[i] = x[i] - y[i];
            assertArrayEquals(want, out.toArray(), "sub n=" + n);
            k.mul(a, c, out);
            for (int i = 0; i < n; i++) want[i] = x[i] * y[i];
            assertArrayEquals(want, out.toArray(), "mul n=" + n);
            k.scale(a, 1.5, out);
            for (int i = 0; i < n; i++) want[i] = 1.5 * x[i];
            assertArrayEquals(want, out.toArray(), "scale n=" + n);
            k.axpy(0.1, a, c);
            for (int i = 0; i < n; i++) want[i] = 0.1 * x[i] + y[i];
            assertArrayEquals(want, c.toArray(), "axpy n=" + n);
            k.fill(out, 2.5);
            for (int i = 0; i < n; i++) assertEquals(2.5, out.get(i));
            k.copy(a, out);
            assertArrayEquals(x, out.toArray(), "copy n=" + n);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void f32AndIntegersWrapLikeNumpy(KernelBackend b) {
        Kernels k = Kernels.using(b);
        for (int n : Data.SIZES) {
            SplittableRandom r = new SplittableRandom(n);
            float[] xf = new float[n], yf = new float[n], wf = new float[n];
            int[] xi = new int[n], yi = new int[n], wi = new int[n];
            long[] xl = new long[n], yl = new long[n], wl = new long[n];
            for (int i = 0; i < n; i++) {
                xf[i] = (float) r.nextDouble();
                yf[i] = (float) r.nextDouble();
                xi[i] = r.nextInt();
                yi[i] = r.nextInt();
                xl[i] = r.nextLong();
                yl[i] = r.nextLong();
            }
            F32Array of = F32Array.allocate(n);
            k.axpy(0.3, F32Array.of(xf), F32Array.wrap(yf.clone()));
            k.mul(F32Array.of(xf), F32Array.of(yf), of);
            for (int i = 0; i < n; i++) wf[i] = xf[i] * yf[i];
            assertArrayEquals(wf, of.toArray(), "f32 mul n=" + n);
            I32Array oi = I32Array.allocate(n);
            k.add(I32Array.of(xi), I32Array.of(yi), oi);
            for (int i = 0; i < n; i++) wi[i] = xi[i] + yi[i];
            assertArrayEquals(wi, oi.toArray(), "i32 add n=" + n);
            k.scale(I32Array.of(xi), 3L, oi);
            for (int i = 0; i < n; i++) wi[i] = 3 * xi[i];
            assertArrayEquals(wi, oi.toArray(), "i32 scale n=" + n);
            I64Array ol = I64Array.of(yl);
            k.axpy(-7L, I64Array.of(xl), ol);
            for (int i = 0; i < n; i++) wl[i] = -7 * xl[i] + yl[i];
            assertArrayEquals(wl, ol.toArray(), "i64 axpy n=" + n);
            k.fill(ol, 42L);
            for (int i = 0; i < n; i++) assertEquals(42L, ol.get(i));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void largeHeapArraysAndOverlappingCopies(KernelBackend b) {
        Kernels k = Kernels.using(b);
        int n = 300_001;
        double[] x = Data.uniform(n, 1), y = Data.uniform(n, 2), out = new double[n];
        k.add(F64Array.wrap(x), F64Array.wrap(y), F64Array.wrap(out)); // heap, above the critical limit
        for (int i = 0; i < n; i += 997) assertEquals(x[i] + y[i], out[i]);
        F64Array a = Data.f64(x);
        k.copy(a.slice(0, n - 1), a.slice(1, n));
        assertEquals(x[0], a.get(1));
        assertEquals(x[n - 2], a.get(n - 1));
    }
}
