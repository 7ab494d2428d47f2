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
