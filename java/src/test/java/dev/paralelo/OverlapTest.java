package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.KernelBackend;
import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Outputs that share memory with inputs (issue 13, items 4, 6 and 7): a partial overlap computes
 * as numpy does (as if the inputs were copied first), the same on every implementation and
 * thread count; exact aliasing computes in place; slice reductions refuse an output that shares
 * memory with an input; offsets written while reduceAt runs never reach an address.
 */
class OverlapTest {
    static final int N = 200_000; // over PARALLEL_MIN: the parallel paths run

    static Stream<Arguments> cases() {
        return Backends.all().flatMap(b -> Stream.of(Arguments.of(b, 1), Arguments.of(b, 2)));
    }

    private static double[] ramp(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i + 0.25;
        return x;
    }

    /** numpy: np.multiply(a[0:n-1], 2, out=a[1:n]) gives a[i+1] = 2 * a_old[i]. */
    @ParameterizedTest
    @MethodSource("cases")
    void scaleIntoTheNextElementReadsTheOldValues(KernelBackend b, int threads) {
        Kernels k = Kernels.using(b).withThreads(threads);
        for (int shift : new int[] {1, -1, 3, -7, 1000, -4096}) {
            double[] old = ramp(N);
            F64Array a = Data.f64(old);
            int len = N - Math.abs(shift), from = Math.max(0, -shift), to = Math.max(0, shift);
            k.scale(a.slice(from, from + len), 2.0, a.slice(to, to + len));
            double[] want = old.clone();
            for (int i = 0; i < len; i++) want[to + i] = 2.0 * old[from + i];
            assertArrayEquals(want, a.toArray(), "shift " + shift);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void binaryWithBothInputsOverlappingTheOutput(KernelBackend b, int threads) {
        Kernels k = Kernels.using(b).withThreads(threads);
        double[] old = ramp(N);
        F64Array a = Data.f64(old);
        int len = N - 10;
        // out = a[5:], x = a[0:], y = a[10:]: out overlaps both, one ahead and one behind
        k.add(a.slice(0, len), a.slice(10, 10 + len), a.slice(5, 5 + len));
        double[] want = old.clone();
        for (int i = 0; i < len; i++) want[5 + i] = old[i] + old[10 + i];
        assertArrayEquals(want, a.toArray());

        I64Array v = I64Array.allocate(N);
        for (int i = 0; i < N; i++) v.set(i, 3L * i - 7);
        long[] vo = v.toArray();
        k.mul(v.slice(1, N), v.slice(0, N - 1), v.slice(0, N - 1));
        long[] wl = vo.clone();
        for (int i = 0; i < N - 1; i++) wl[i] = vo[i + 1] * vo[i];
        assertArrayEquals(wl, v.toArray());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void axpyWithXOverlappingY(KernelBackend b, int threads) {
        Kernels k = Kernels.using(b).withThreads(threads);
        double[] old = ramp(N);
        F64Array a = Data.f64(old);
        int len = N - 2;
        k.axpy(0.5, a.slice(0, len), a.slice(2, 2 + len));
        double[] want = old.clone();
        for (int i = 0; i < len; i++) want[2 + i] = 0.5 * old[i] + old[2 + i];
        assertArrayEquals(want, a.toArray());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void exactAliasingComputesInPlace(KernelBackend b, int threads) {
        Kernels k = Kernels.using(b).withThreads(threads);
        double[] old = ramp(N);
        F64Array a = Data.f64(old);
        k.mul(a, a, a);
        k.axpy(2.0, a, a);
        double[] want = new double[N];
        for (int i = 0; i < N; i++) {
            double s = old[i] * old[i];
            want[i] = 2.0 * s + s;
        }
        assertArrayEquals(want, a.toArray());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void copyBetweenOverlappingViews(KernelBackend b, int threads) {
        Kernels k = Kernels.using(b).withThreads(threads);
        for (int shift : new int[] {1, -1, 4097, -4097}) {
            double[] old = ramp(N);
            F64Array a = Data.f64(old);
            int len = N - Math.abs(shift), from = Math.max(0, -shift), to = Math.max(0, shift);
            k.copy(a.slice(from, from + len), a.slice(to, to + len));
            double[] want = old.clone();
            System.arraycopy(old, from, want, to, len);
            assertArrayEquals(want, a.toArray(), "shift " + shift);
        }
    }

    /** The heap path (Java arrays) follows the same rule. */
    @Test
    void heapArraysOverlapLikeOffHeapOnes() {
        double[] x = ramp(1000), old = x.clone();
        F64Array a = F64Array.wrap(x);
        Kernels.defaults().scale(a.slice(0, 999), 3.0, a.slice(1, 1000));
        double[] want = old.clone();
        for (int i = 0; i < 999; i++) want[i + 1] = 3.0 * old[i];
        assertArrayEquals(want, x);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void sliceReductionsRejectAnOutputSharingAnInput(KernelBackend b, int threads) {
        Kernels k = Kernels.using(b).withThreads(threads);
        I64Array x = I64Array.allocate(64);
        for (int i = 0; i < 64; i++) x.set(i, i);
        long[] before = x.toArray();
        // the crash of item 6: out is the offsets array
        I64Array offsets = I64Array.wrap(new long[] {0, 3, 9, 20});
        var e = assertThrows(IllegalArgumentException.class, () -> k.reduceAt(SliceOp.SUM, x, offsets, offsets));
        assertTrue(e.getMessage().contains("offsets"), e.getMessage());
        assertArrayEquals(new long[] {0, 3, 9, 20}, offsets.toArray(), "nothing written");
        // out inside x, for both slice reductions
        assertThrows(IllegalArgumentException.class, () -> k.reduceAt(SliceOp.SUM, x, offsets, x.slice(60, 64)));
        assertThrows(IllegalArgumentException.class, () -> k.reduceSlices(SliceOp.MAX, x, 16, x.slice(2, 6)));
        assertThrows(IllegalArgumentException.class, () -> k.reduceSlices(SliceOp.SUM, x, 64, x.slice(63, 64)));
        assertArrayEquals(before, x.toArray(), "nothing written");
        // apart from the inputs is fine, also right next to them
        I64Array both = I64Array.allocate(68);
        for (int i = 0; i < 64; i++) both.set(i, i);
        k.reduceSlices(SliceOp.SUM, both.slice(0, 64), 16, both.slice(64, 68));
        assertArrayEquals(new long[] {120, 376, 632, 888}, both.slice(64, 68).toArray());
    }

    /**
     * Item 7: another thread rewrites the offsets (in and out of range) while reduceAt runs. Every
     * call either finishes or raises IndexOutOfBoundsException; the JVM never crashes.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void offsetsWrittenDuringReduceAtNeverBecomeAddresses(KernelBackend b, int threads) throws Exception {
        Kernels k = Kernels.using(b).withThreads(threads);
        int n = 1 << 18, m = 4096;
        try (Arena arena = Arena.ofShared()) {
            F64Array x = F64Array.allocate(arena, n);
            I64Array offsets = I64Array.allocate(arena, m);
            F64Array out = F64Array.allocate(arena, m);
            for (int j = 0; j < m; j++) offsets.set(j, (long) j * (n / m));
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                long v = 0;
                while (!stop.get()) {
                    for (int j = 0; j < m; j += 7) offsets.set(j, (v & 1) == 0 ? Long.MIN_VALUE / 2 + j : (long) j * (n / m));
                    v++;
                }
            });
            writer.start();
            int ok = 0, refused = 0;
            try {
                long end = System.nanoTime() + 1_500_000_000L;
                while (System.nanoTime() < end) {
                    try {
                        k.reduceAt(SliceOp.SUM, x, offsets, out);
                        ok++;
                    } catch (IndexOutOfBoundsException e) {
                        refused++;
                    }
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            assertTrue(ok + refused > 0);
        }
    }
}
