package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.paralelo.kernel.Crossover;
import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.NativeKernels;
import dev.paralelo.shm.SharedArray;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small fast sums take a shortcut to the Vector API kernel ({@code SmallSum}) from the native
 * provider below its crossover and from the vector provider up to two blocks (whose values it
 * adds). The shortcut gives the bits of the C kernels, called by downcall, for every length up
 * to past two blocks, for f64 and f32, for values that make the sum non-finite (which the
 * shortcut hands back to the full path) or put it at the overflow threshold, and for native,
 * unaligned, heap and mapped arrays.
 */
class SmallSumTest {
    private static final Kernels CROSSING = Kernels.using(new NativeKernels(true)).withMode(SumMode.FAST);
    private static final Kernels VECTOR = Kernels.using(Backends.vectorKernels()).withMode(SumMode.FAST);
    private static final Kernels REFERENCE = Kernels.using(Backends.nativeKernels()).withMode(SumMode.FAST);

    @TempDir
    Path dir;

    @Test
    void theShortcutCoversWhatTheCrossoverSendsToTheVectorKernels() {
        long f64 = Math.min(Crossover.below("sum-fast.f64"), 2L * KernelBackend.BLOCK + 1);
        assertEquals(f64, new NativeKernels(true).smallFastSumBelow(KernelBackend.F64));
        long f32 = Math.min(Crossover.below("sum-fast.f32"), 2L * KernelBackend.BLOCK + 1);
        assertEquals(f32, new NativeKernels(true).smallFastSumBelow(KernelBackend.F32));
        assertEquals(0, new NativeKernels(false).smallFastSumBelow(KernelBackend.F64), "no crossover, no shortcut");
        assertEquals(2L * KernelBackend.BLOCK + 1, Backends.vectorKernels().smallFastSumBelow(KernelBackend.F32));
        assertEquals(0, Backends.javaKernels().smallFastSumBelow(KernelBackend.F64), "the scalar kernels take no shortcut");
        assertEquals(0, Backends.vectorKernels().smallFastSumBelow(KernelBackend.I64));
    }

    /** Kinds of data: plain, ill-conditioned, and values that make a sum NaN, infinite or signed zero. */
    static double[] data(int kind, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = kind == 1 ? Data.illConditioned(n, seed) : Data.uniform(n, seed);
        if (n == 0) return x;
        switch (kind) {
            case 2 -> x[r.nextInt(n)] = Double.NaN;
            case 3 -> x[r.nextInt(n)] = Double.POSITIVE_INFINITY;
            case 4 -> {
                x[r.nextInt(n)] = Double.POSITIVE_INFINITY;
                x[r.nextInt(n)] = Double.NEGATIVE_INFINITY;
            }
            case 5 -> java.util.Arrays.fill(x, Double.MAX_VALUE / 3); // overflows once summed
            case 6 -> java.util.Arrays.fill(x, -0.0);
            case 7 -> {
                for (int i = 0; i < n; i++) x[i] = Double.MIN_VALUE * r.nextInt(-1000, 1000); // subnormals
            }
            case 8 -> { // a first block that nearly cancels the rest: the blocks' values differ in sign and size
                for (int i = 0; i < n; i++) x[i] = i < 4096 ? 1e16 * (1 + r.nextDouble()) : -1e16 * (1 + r.nextDouble()) + r.nextDouble();
            }
            case 9 -> { // sums at the overflow threshold, where the accumulator rounds: up to DBL_MAX, just below, just past
                java.util.Arrays.fill(x, 0.0);
                x[0] = Double.MAX_VALUE;
                x[n - 1] = n % 3 == 0 ? Math.ulp(Double.MAX_VALUE) / 2 : n % 3 == 1 ? -Math.ulp(Double.MAX_VALUE) : Math.ulp(Double.MAX_VALUE) / 4;
            }
            case 10 -> { // a lane that overflows in one block (the second of two, for odd n) while the exact sum stays finite
                int s = n > 4096 + 64 && n % 2 == 1 ? 4096 : 0;
                if (s + 64 < n) {
                    x[s] = Double.MAX_VALUE;
                    x[s + 32] = Double.MAX_VALUE;
                    x[s + 64] = -Double.MAX_VALUE;
                }
            }
            default -> { }
        }
        return x;
    }

    private static void same(String tag, double want, double got) {
        assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got), tag + ": " + want + " against " + got);
    }

    @Test
    void everyLengthUpToPastTwoBlocksGivesTheNativeBits() {
        int b = KernelBackend.BLOCK;
        java.util.TreeSet<Integer> sizes = new java.util.TreeSet<>(java.util.List.of(b - 1, b, b + 1, b + 8, 2 * b - 1, 2 * b, 2 * b + 1));
        for (int n = 0; n <= 2 * b + 9; n += n < 80 ? 1 : n < 1100 ? 7 : 61) sizes.add(n);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : sizes) {
                for (int kind = 0; kind < 11; kind++) {
                    double[] v = data(kind, n, 31L * n + kind);
                    F64Array big = F64Array.allocate(arena, n + 8);
                    F32Array bigF = F32Array.allocate(arena, n + 8);
                    int off = n % 8; // unaligned starts, 0 to 7 elements in
                    for (int i = 0; i < n; i++) {
                        big.set(off + i, v[i]);
                        bigF.set(off + i, (float) v[i]);
                    }
                    F64Array x = big.slice(off, off + n);
                    F32Array xf = bigF.slice(off, off + n);
                    String tag = "n=" + n + " kind=" + kind + " offset=" + off;
                    double want = REFERENCE.sum(x), wantF = REFERENCE.sum(xf);
                    same("native crossing f64 " + tag, want, CROSSING.sum(x));
                    same("vector f64 " + tag, want, VECTOR.sum(x));
                    same("native crossing f32 " + tag, wantF, CROSSING.sum(xf));
                    same("vector f32 " + tag, wantF, VECTOR.sum(xf));
                    same("heap f64 " + tag, want, CROSSING.sum(F64Array.wrap(v)));
                    same("heap f64, vector " + tag, want, VECTOR.sum(F64Array.wrap(v)));
                }
            }
        }
    }

    @Test
    void mappedArraysGiveTheNativeBits() throws Exception {
        for (int n : new int[] {0, 1, 8, 16, 255, 256, 1024, 4096, 4097, 6000, 8192, 8193}) {
            Path p = dir.resolve("small-" + n + ".npy");
            double[] v = data(1, n, n);
            try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {n}, false, arr -> {
                for (int i = 0; i < n; i++) ((F64Array) arr).set(i, v[i]);
            })) {
                F64Array x = (F64Array) a.array();
                double want = REFERENCE.sum(F64Array.wrap(v));
                same("mapped n=" + n, want, CROSSING.sum(x));
                same("mapped, vector n=" + n, want, VECTOR.sum(x));
            }
            Files.deleteIfExists(p);
        }
    }
}
