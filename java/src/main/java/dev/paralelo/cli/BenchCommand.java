package dev.paralelo.cli;

import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.kernel.JavaKernels;
import dev.paralelo.kernel.KernelProvider;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * {@code paralelo bench}: sum of f64 at sizes 2^10..2^26, Paralelo (native, all threads, accurate
 * mode), Paralelo's pure-Java kernels, a plain Java loop and {@code DoubleStream.sum}. Each cell
 * is the median of 7 timed samples after warm-up; every implementation's result is checked
 * against the exact sum once before timing.
 */
final class BenchCommand {
    private BenchCommand() {}

    static volatile double sink;

    record Impl(String name, DoubleSupplier run) {}

    static int run(String[] args, PrintStream out, PrintStream err) throws UsageException {
        boolean quick = false;
        for (String a : args) {
            if (a.equals("--quick")) quick = true;
            else throw new UsageException("unknown option " + a + " for bench");
        }
        int[] logs = quick ? new int[] {10, 14, 17, 20} : new int[] {10, 14, 17, 20, 23, 26};
        out.println("paralelo bench: sum of f64, GB/s (bytes read / median time), higher is better");
        out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("os.arch") + ", Java " + Runtime.version());
        out.println("kernels: " + KernelProvider.reason());
        out.println();
        Map<String, double[]> gbps = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < logs.length; c++) {
            int n = 1 << logs[c];
            err.print("\r  measuring n = 2^" + logs[c] + " ...   ");
            double[] heap = new double[n];
            SplittableRandom rnd = new SplittableRandom(42 + n);
            for (int i = 0; i < n; i++) heap[i] = rnd.nextDouble();
            F64Array off = F64Array.allocate(n);
            for (int i = 0; i < n; i++) off.set(i, heap[i]);
            Kernels nat = Kernels.defaults();
            Kernels java = Kernels.using(new JavaKernels());
            double exact = Kernels.using(new JavaKernels()).sum(F64Array.wrap(heap));
            List<Impl> impls = List.of(
                    new Impl("paralelo (" + nat.backend().name() + ", " + nat.threads() + " threads)", () -> nat.sum(off)),
                    new Impl("paralelo-java (" + java.threads() + " threads)", () -> java.sum(off)),
                    new Impl("java-loop", () -> loop(heap)),
                    new Impl("java-stream (DoubleStream.sum)", () -> Arrays.stream(heap).sum()));
            for (Impl im : impls) {
                double r = im.run.getAsDouble();
                if (Math.abs(r - exact) > 1e-9 * Math.abs(exact)) {
                    throw new IllegalStateException(im.name + " returned " + r + ", exact sum is " + exact);
                }
                double ns = medianNanos(im.run);
                if (!gbps.containsKey(im.name)) {
                    gbps.put(im.name, new double[logs.length]);
                    names.add(im.name);
                }
                gbps.get(im.name)[c] = n * 8.0 / ns;
            }
        }
        err.print("\r" + " ".repeat(40) + "\r");
        StringBuilder head = new StringBuilder(String.format("%-36s", "implementation"));
        for (int lg : logs) head.append(String.format("%10s", "2^" + lg));
        out.println(head);
        for (String name : names) {
            StringBuilder row = new StringBuilder(String.format("%-36s", name));
            for (double g : gbps.get(name)) row.append(String.format("%10.2f", g));
            out.println(row);
        }
        out.println();
        double[] base = gbps.get("java-loop");
        double[] stream = gbps.get("java-stream (DoubleStream.sum)");
        double[] par = gbps.get(names.get(0));
        StringBuilder r1 = new StringBuilder(String.format("%-36s", "paralelo / java-loop"));
        StringBuilder r2 = new StringBuilder(String.format("%-36s", "paralelo / java-stream"));
        for (int c = 0; c < logs.length; c++) {
            r1.append(String.format("%9.1fx", par[c] / base[c]));
            r2.append(String.format("%9.1fx", par[c] / stream[c]));
        }
        out.println(r1);
        out.println(r2);
        return 0;
    }

    static double loop(double[] a) {
        double s = 0;
        for (double v : a) s += v;
        return s;
    }

    /** Median of 7 samples, each at least 20 ms of repeated calls, after about 200 ms of warm-up. */
    static double medianNanos(DoubleSupplier f) {
        long warmEnd = System.nanoTime() + 200_000_000L;
        int reps = 1;
        while (System.nanoTime() < warmEnd) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) sink += f.getAsDouble();
            if (System.nanoTime() - t0 < 20_000_000L) reps *= 2;
        }
        double[] samples = new double[7];
        for (int s = 0; s < samples.length; s++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) sink += f.getAsDouble();
            samples[s] = (double) (System.nanoTime() - t0) / reps;
        }
        Arrays.sort(samples);
        return samples[samples.length / 2];
    }
}
