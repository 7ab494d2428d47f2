package dev.paralelo.bench;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * The quick report's timer: warm up until the JIT has settled (at least 150 ms and 3 batches,
 * then on while a full-length batch still runs more than 3% faster per call than every earlier
 * one, up to 1.5 s), then take 7 samples of at least 25 ms each and return the median time per
 * call. (A fixed 150 ms was not enough for the vector kernels: after a deoptimisation the JIT can
 * take longer to compile them again, and a few sizes were measured half-compiled.) JMH does the
 * same more thoroughly (forked JVMs, more iterations) in {@code --full}.
 */
final class Harness {
    private Harness() {}

    static volatile double sink;

    /** Warm-up and sample lengths in ns; {@code --smoke} shortens them (numbers then mean little). */
    static long warmNanos = 150_000_000L, sampleNanos = 25_000_000L;

    /** How long a warm-up may go on past warmNanos while the times still fall. */
    static final int MAX_WARM_FACTOR = 10;

    /** Whether a warm-up is over: its full-length batches stopped getting faster. */
    private static final class Settling {
        double best = Double.POSITIVE_INFINITY;
        boolean settled;

        /** Records a batch of reps calls that took dt ns; full-length batches count. */
        void batch(long dt, int reps) {
            if (dt < sampleNanos) return;
            double perCall = (double) dt / reps;
            settled = perCall > 0.97 * best;
            best = Math.min(best, perCall);
        }
    }

    /** Whether a warm-up that started at start must go on after batch batches. */
    private static boolean warming(long start, int batch, boolean settled) {
        long spent = System.nanoTime() - start;
        return batch < 3 || spent < warmNanos || (!settled && spent < MAX_WARM_FACTOR * warmNanos);
    }

    /**
     * Operations measured in turn, sample by sample, after all warmed up: their medians. For
     * comparisons that must not depend on which ran first (the JIT's profile of this class's
     * loop changes as more operations pass through it) and for figures that must see the same
     * machine (a VM's memory bandwidth drifts by tens of percent within a minute).
     */
    static double[] nanosPerCallGroup(DoubleSupplier... ops) {
        int m = ops.length;
        int[] reps = new int[m];
        Arrays.fill(reps, 1);
        Settling[] warm = new Settling[m];
        for (int k = 0; k < m; k++) warm[k] = new Settling();
        long start = System.nanoTime();
        for (int batch = 0; warming(start, batch, Arrays.stream(warm).allMatch(w -> w.settled)); batch++) {
            for (int k = 0; k < m; k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps[k]; i++) sink += ops[k].getAsDouble();
                long dt = System.nanoTime() - t0;
                warm[k].batch(dt, reps[k]);
                if (dt < sampleNanos) reps[k] = (int) Math.min(1 << 24, reps[k] * 2L);
            }
        }
        double[][] samples = new double[m][7];
        for (int s = 0; s < 7; s++) {
            for (int k = 0; k < m; k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps[k]; i++) sink += ops[k].getAsDouble();
                samples[k][s] = (double) (System.nanoTime() - t0) / reps[k];
            }
        }
        double[] medians = new double[m];
        for (int k = 0; k < m; k++) {
            Arrays.sort(samples[k]);
            medians[k] = samples[k][3];
        }
        return medians;
    }

    static double nanosPerCall(DoubleSupplier op) {
        int reps = 1;
        Settling warm = new Settling();
        long start = System.nanoTime();
        for (int batch = 0; warming(start, batch, warm.settled); batch++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) sink += op.getAsDouble();
            long dt = System.nanoTime() - t0;
            warm.batch(dt, reps);
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
