package dev.paralelo.bench;

import dev.paralelo.BlockPartition;
import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.Implementation;
import dev.paralelo.Kernels;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The worker pool's figures (issues "Worker processes" and "Network workers"), all in one run:
 * tasks/s at one-block tasks with and without batching, the round-trip latency of one task, over
 * the shared-memory rings and over loopback TCP (ZeroMQ, plain and CURVE, with workers that
 * attach to a listening pool), a 2-worker sum of 2^27 doubles against the in-process sum, and the
 * talk's own recipe (Python 3, pyzmq, pickle) on the same array as a peer.
 */
final class PoolBench {
    private PoolBench() {}

    /** One measured figure: a name, a value, its unit. */
    record Figure(String name, double value, String unit) {
        String json() {
            return String.format(Locale.ROOT, "{\"name\": \"%s\", \"value\": %s, \"unit\": \"%s\"}", name,
                    Double.isFinite(value) ? Double.toString(value) : "null", unit);
        }
    }

    static final int DEMO = 1 << 22;
    /**
     * The progress steps of {@link #run}: batched, unbatched (two kernels each), latency, then
     * over TCP batched, unbatched and latency, plain and CURVE, talk, in-process, 2-worker (two).
     */
    static final int STEPS = 16;

    static List<Figure> run(boolean smoke, Report.Progress progress) throws Exception {
        Map<String, Figure> f = new LinkedHashMap<>();
        int workers = Math.max(2, Report.CORES);
        int runs = smoke ? 3 : 21;
        warmNanos = smoke ? TimeUnit.MILLISECONDS.toNanos(200) : TimeUnit.SECONDS.toNanos(8);
        Path dir = SharedArray.directory();
        Path demo = Leftovers.track(dir.resolve("paralelo-bench-demo-" + ProcessHandle.current().pid() + ".npy"));
        Path big = Leftovers.track(dir.resolve("paralelo-bench-big-" + ProcessHandle.current().pid() + ".npy"));
        long bigN = smoke ? 1L << 22 : 1L << 27;
        try (SharedArray a = SharedArray.create(demo, DType.F32, new long[] {DEMO}, true, v -> {
            F32Array x = (F32Array) v;
            for (int i = 0; i < DEMO; i++) x.set(i, i);
        })) {
            for (Implementation impl : new Implementation[] {Implementation.JAVA, Implementation.NATIVE}) {
                String k = impl.name().toLowerCase(Locale.ROOT);
                try (WorkerPool batched = WorkerPool.builder().workers(workers).taskElements(BlockPartition.BLOCK).workerKernels(impl).start();
                        WorkerPool single = WorkerPool.builder().workers(workers).taskElements(BlockPartition.BLOCK).batchSize(1)
                                .workerKernels(impl).start()) {
                    double tb = medianJobSeconds(batched, a, runs);
                    progress.step("pool batched (" + k + ")");
                    double tu = medianJobSeconds(single, a, runs);
                    progress.step("pool unbatched (" + k + ")");
                    long tasks = DEMO / BlockPartition.BLOCK;
                    put(f, "pool-batched-" + k + " tasks/s", tasks / tb, "tasks/s");
                    put(f, "pool-unbatched-" + k + " tasks/s", tasks / tu, "tasks/s");
                    put(f, "pool-batched-" + k + " GB/s", DEMO * 4.0 / tb / 1e9, "GB/s");
                    if (impl == Implementation.JAVA) {
                        Histogram h = latency(batched, smoke ? 200 : 3000, dir);
                        progress.step("pool latency");
                        put(f, "pool round trip p50", h.getValueAtPercentile(50) / 1e3, "us");
                        put(f, "pool round trip p99", h.getValueAtPercentile(99) / 1e3, "us");
                    }
                }
            }
            for (boolean curve : new boolean[] {false, true}) {
                String k = curve ? "tcp-curve" : "tcp";
                try (AttachedPool batched = AttachedPool.start(workers, 0, curve); AttachedPool single = AttachedPool.start(workers, 1, curve)) {
                    double tb = medianJobSeconds(batched.pool(), a, runs);
                    progress.step("pool batched (" + k + ")");
                    double tu = medianJobSeconds(single.pool(), a, runs);
                    progress.step("pool unbatched (" + k + ")");
                    long tasks = DEMO / BlockPartition.BLOCK;
                    put(f, "pool-batched-" + k + " tasks/s", tasks / tb, "tasks/s");
                    put(f, "pool-unbatched-" + k + " tasks/s", tasks / tu, "tasks/s");
                    Histogram h = latency(batched.pool(), smoke ? 200 : 3000, dir);
                    progress.step("pool latency (" + k + ")");
                    put(f, "pool " + k + " round trip p50", h.getValueAtPercentile(50) / 1e3, "us");
                    put(f, "pool " + k + " round trip p99", h.getValueAtPercentile(99) / 1e3, "us");
                }
            }
            Map<String, Double> talk = talk(workers);
            progress.step("the talk's recipe (python)");
            if (talk != null) {
                put(f, "talk recipe tasks/s", talk.get("tasks_per_s"), "tasks/s");
                put(f, "talk recipe GB/s", talk.get("gbps"), "GB/s");
                put(f, "numpy single-process sum GB/s", talk.get("numpy_single_gbps"), "GB/s");
            }
        } finally {
            Files.deleteIfExists(demo);
        }
        try (SharedArray b = SharedArray.create(big, DType.F64, new long[] {bigN}, true, v -> {
            F64Array x = (F64Array) v;
            Kernels.defaults().fill(x, 1.0);
            for (long i = 0; i < bigN; i += 4099) x.set(i, i * 1e-3);
        })) {
            F64Array x = b.array(F64Array.class);
            double inProcess = bigN * 8.0 / medianCallSeconds(Kernels.defaults().withThreads(2), x, runs) / 1e9;
            put(f, "in-process sum 2^" + Long.numberOfTrailingZeros(bigN) + " f64 (2t) GB/s", inProcess, "GB/s");
            progress.step("in-process big sum");
            // The pure-Java kernels in this process on the same mapped array, as the Java workers
            // run them (each block copied first, VectorRangeKernels "Mapped files"): what the pool
            // adds or loses for those workers, apart from what their kernels cost.
            double inProcessJava = bigN * 8.0 / medianCallSeconds(Kernels.using(Implementation.JAVA).withThreads(2), x, runs) / 1e9;
            put(f, "in-process sum 2^" + Long.numberOfTrailingZeros(bigN) + " f64 (2t, java) GB/s", inProcessJava, "GB/s");
            progress.step("in-process big sum (java kernels)");
            for (Implementation impl : new Implementation[] {Implementation.JAVA, Implementation.NATIVE}) {
                try (WorkerPool p = WorkerPool.builder().workers(2).threadsPerWorker(1).workerKernels(impl).start()) {
                    double s = medianJobSeconds(p, b, runs);
                    put(f, "2-worker sum 2^" + Long.numberOfTrailingZeros(bigN) + " f64 (" + impl.name().toLowerCase(Locale.ROOT) + ") GB/s",
                            bigN * 8.0 / s / 1e9, "GB/s");
                }
                progress.step("2-worker big sum (" + impl.name().toLowerCase(Locale.ROOT) + ")");
            }
        } finally {
            Files.deleteIfExists(big);
        }
        return new ArrayList<>(f.values());
    }

    /** The median seconds of runs calls of k.sum(x), after two. */
    private static double medianCallSeconds(Kernels k, F64Array x, int runs) {
        double[] t = new double[runs];
        for (int r = 0; r < runs + 2; r++) {
            long t0 = System.nanoTime();
            Harness.sink += k.sum(x);
            if (r >= 2) t[r - 2] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    private static void put(Map<String, Figure> f, String name, double v, String unit) {
        f.put(name, new Figure(name, v, unit));
    }

    /**
     * How long each pool figure warms up first. The workers are JVMs: their task loop, decoders
     * and kernels reach C2 only after some ten thousand tasks, and a few jobs of warm-up measured
     * the interpreter (jobs took 40 ms cold and 2-4 ms after some 300 jobs here). With two
     * workers on two cores the demo's jobs kept getting faster for 6-7 s (windows of 300 jobs:
     * 5.7 ms at 3.5 s, 1.0-1.4 ms at 5 s, 0.7 ms from 6.5 s on), so 5 s measured the JIT at work;
     * hence 8 s. The talk's recipe is Python, which has no JIT to warm.
     */
    static long warmNanos = TimeUnit.SECONDS.toNanos(8);

    /** The median wall time of a pool sum of a, from its job statistics, after {@link #warmNanos} of jobs. */
    static double medianJobSeconds(WorkerPool p, SharedArray a, int runs) {
        warm(p, a);
        double[] t = new double[runs];
        for (int r = 0; r < runs; r++) {
            Harness.sink += p.sum(a);
            t[r] = p.lastJob().seconds();
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    /**
     * Runs jobs for at least {@link #warmNanos}, then on while the median of each window of
     * jobs still beats the last window's by 5% (the JIT is still at work), up to four times as long.
     */
    static void warm(WorkerPool p, SharedArray a) {
        long start = System.nanoTime(), least = start + warmNanos, most = start + 4 * warmNanos;
        double last = Double.POSITIVE_INFINITY;
        while (true) {
            double[] w = new double[15];
            for (int r = 0; r < w.length; r++) {
                Harness.sink += p.sum(a);
                w[r] = p.lastJob().seconds();
            }
            Arrays.sort(w);
            long now = System.nanoTime();
            if (now >= most || (now >= least && w[w.length / 2] > 0.95 * last)) return;
            last = Math.min(last, w[w.length / 2]);
        }
    }

    /** Round trips of a one-task job (4096 f32), in ns. */
    static Histogram latency(WorkerPool p, int n, Path dir) throws IOException {
        Path one = Leftovers.track(dir.resolve("paralelo-bench-one-" + ProcessHandle.current().pid() + ".npy"));
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        try (SharedArray a = SharedArray.create(one, DType.F32, new long[] {BlockPartition.BLOCK}, true)) {
            warm(p, a);
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                Harness.sink += p.sum(a);
                h.recordValue(System.nanoTime() - t0);
            }
        } finally {
            Files.deleteIfExists(one);
        }
        return h;
    }

    /** The talk's recipe as a Python peer: its JSON figures, or null when it cannot run. */
    static Map<String, Double> talk(int workers) throws Exception {
        String python = System.getenv().getOrDefault("PARALELO_PYTHON", "python3");
        Path script = Leftovers.track(Files.createTempFile("paralelo-talk", ".py"));
        try (InputStream in = PoolBench.class.getResourceAsStream("/talk_taskfarm.py")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            Process p = new ProcessBuilder(python, script.toString(), "--workers", Integer.toString(workers))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
                System.err.println("\nthe talk's recipe failed (python3 with numpy and pyzmq: python3-numpy python3-zmq)");
                return null;
            }
            Map<String, Double> m = new LinkedHashMap<>();
            for (String key : new String[] {"tasks_per_s", "gbps", "numpy_single_gbps", "result"}) {
                m.put(key, Double.parseDouble(Report.field(out, key)));
            }
            return m;
        } catch (IOException e) {
            System.err.println("\nthe talk's recipe cannot start (" + e.getMessage() + ")");
            return null;
        } finally {
            Files.deleteIfExists(script);
        }
    }

    static double get(List<Figure> fs, String name) {
        return fs.stream().filter(x -> x.name().equals(name)).mapToDouble(Figure::value).findFirst().orElse(Double.NaN);
    }

    static void print(PrintStream out, List<Figure> fs) {
        out.println();
        out.println("Worker pool (" + Math.max(2, Report.CORES) + " workers, the talk's array: arange(2^22) float32, one-block tasks of 4096):");
        for (Figure x : fs) out.printf(Locale.ROOT, "  %-44s %14.2f %s%n", x.name(), x.value(), x.unit());
    }

    static String markdown(List<Figure> fs) {
        StringBuilder sb = new StringBuilder("\nWorker pool (the talk's array, arange(2^22) float32 in one-block tasks; ")
                .append(Math.max(2, Report.CORES)).append(" workers):\n\n| figure | value |\n|---|---|\n");
        for (Figure x : fs) sb.append(String.format(Locale.ROOT, "| %s | %.2f %s |\n", x.name(), x.value(), x.unit()));
        return sb.toString();
    }

    static void targets(PrintStream out, List<Figure> fs) {
        String big = fs.stream().map(Figure::name).filter(n -> n.startsWith("2-worker sum") && n.contains("(java)")).findFirst().orElse("");
        String in = fs.stream().map(Figure::name).filter(n -> n.startsWith("in-process sum") && !n.contains("java")).findFirst().orElse("");
        String inJava = fs.stream().map(Figure::name).filter(n -> n.startsWith("in-process sum") && n.contains("java")).findFirst().orElse("");
        // The pool's default workers run the native kernels (WorkerPool.Builder.workerKernels), as
        // do the workers that attach over TCP (`paralelo worker`, --kernels auto).
        Report.target(out, "pool batching: batched / unbatched tasks/s (native workers, the default)",
                get(fs, "pool-batched-native tasks/s") / get(fs, "pool-unbatched-native tasks/s"), 10);
        Report.target(out, "pool batching: batched / unbatched tasks/s (java workers)",
                get(fs, "pool-batched-java tasks/s") / get(fs, "pool-unbatched-java tasks/s"), 10);
        Report.target(out, "tcp batching: batched / unbatched tasks/s (loopback)",
                get(fs, "pool-batched-tcp tasks/s") / get(fs, "pool-unbatched-tcp tasks/s"), 10);
        Report.target(out, "CURVE keeps of plain TCP's batched tasks/s (cost <= 30%)",
                get(fs, "pool-batched-tcp-curve tasks/s") / get(fs, "pool-batched-tcp tasks/s"), 0.7);
        Report.target(out, "demo vs the talk's recipe: GB/s end to end", get(fs, "pool-batched-native GB/s") / get(fs, "talk recipe GB/s"), 10);
        Report.target(out, "pool batched tasks/s vs the talk's recipe", get(fs, "pool-batched-native tasks/s") / get(fs, "talk recipe tasks/s"), 10);
        Report.target(out, "2-worker sum (java workers) vs in-process", get(fs, big) / get(fs, in), 0.8);
        Report.target(out, "2-worker sum (native workers) vs in-process", get(fs, big.replace("(java)", "(native)")) / get(fs, in), 0.8);
        Report.target(out, "2-worker sum (java workers) vs in-process on the java kernels", get(fs, big) / get(fs, inJava), 0.8);
    }
}
