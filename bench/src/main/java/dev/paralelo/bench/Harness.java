package dev.paralelo.bench;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * The quick report's timer: warm up until the JIT has settled (at least 150 ms and 3 batches),
 * then take 7 samples of at least 25 ms each and return the median time per call. JMH does the
 * same more thoroughly (forked JVMs, more iterations) in {@code --full}.
 */
final class Harness {
    private Harness() {}

    static volatile double sink;

    /** Warm-up and sample lengths in ns; {@code --smoke} shortens them (numbers then mean little). */
    static long warmNanos = 150_000_000L, sampleNanos = 25_000_000L;

    /**
     * Two operations measured alternately, sample by sample, after both warmed up: their medians.
     * For comparisons that must not depend on which ran first (the JIT's profile of this class's
     * loop changes as more operations pass through it).
     */
    static double[] nanosPerCallPair(DoubleSupplier a, DoubleSupplier b) {
        int[] reps = {1, 1};
        DoubleSupplier[] ops = {a, b};
        long warmEnd = System.nanoTime() + warmNanos;
        for (int batch = 0; batch < 3 || System.nanoTime() < warmEnd; batch++) {
            for (int k = 0; k < 2; k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps[k]; i++) sink += ops[k].getAsDouble();
                if (System.nanoTime() - t0 < sampleNanos) reps[k] = (int) Math.min(1 << 24, reps[k] * 2L);
            }
        }
        double[][] samples = new double[2][7];
        for (int s = 0; s < 7; s++) {
            for (int k = 0; k < 2; k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps[k]; i++) sink += ops[k].getAsDouble();
                samples[k][s] = (double) (System.nanoTime() - t0) / reps[k];
            }
        }
        Arrays.sort(samples[0]);
        Arrays.sort(samples[1]);
        return new double[] {samples[0][3], samples[1][3]};
    }

    static double nanosPerCall(DoubleSupplier op) {
        int reps = 1;
        long warmEnd = System.nanoTime() + warmNanos;
        for (int batch = 0; batch < 3 || System.nanoTime() < warmEnd; batch++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) sink += op.getAsDouble();
            long dt = System.nanoTime() - t0;
            if (dt < sampleNanos) reps = (int) Math.min(1 << 24, reps * 2L);
        }
        double[] samples = new double[7];
        for (int s = 0; s < samples.length; s++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) sink += op.getAsDouble();
            samples[s] = (double) (System.nanoTime() - t0) / reps;
        }
        Arrays.sort(samples);
        return samples[samples.length / 2];
    }
}
