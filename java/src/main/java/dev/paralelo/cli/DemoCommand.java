package dev.paralelo.cli;

import dev.paralelo.BlockPartition;
import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.Implementation;
import dev.paralelo.Kernels;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.pool.JobStats;
import dev.paralelo.pool.PoolException;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code paralelo demo [--workers N] [--kernels K] [--json]}: puts arange(1 &lt;&lt; 22) as float32
 * in shared memory, sums it with N workers in one-block tasks (4096 elements, the smallest task
 * the block partition allows; the talk used 1024), checks it against one process, and prints the
 * median job time of 15 jobs, run after 4 s of warm-up jobs.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "The talk's task farm: arange(1<<22) float32 in shared memory, summed by N worker processes "
                + "in one-block tasks, checked against one process; prints the median job time.")
final class DemoCommand implements Callable<Integer> {
    /** The talk's array: 1 &lt;&lt; 22 float32 values, arange. */
    static final int DEMO_LENGTH = 1 << 22;
    /**
     * Jobs run for this long before any is timed: the workers are JVMs, and their task loop and
     * kernels reach C2 only after some ten thousand tasks (a job took 40 ms cold, 2-4 ms after some 300 jobs).
     */
    private static final long WARM_NANOS = 4_000_000_000L;
    private static final int RUNS = 15;

    @Option(names = "--workers", paramLabel = "N", description = "worker processes (default: one per core)")
    int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--json", description = "one JSON object: result, expected, workers, tasks, seconds")
    boolean json;

    @Option(names = "--kernels", paramLabel = "K", description = "the workers' kernels: auto (default: the provider's "
            + "choice, native where it loads), native, vector, scalar or java; the same bits from each.")
    String kernels = "auto";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws UsageException {
        if (workers < 1) throw new UsageException("--workers takes a positive integer, got '" + workers + "'");
        Implementation impl = KernelChoice.parse(kernels);
        PrintWriter out = spec.commandLine().getOut();
        WorkerPool.Builder builder;
        try {
            builder = WorkerPool.builder().workers(workers).taskElements(BlockPartition.BLOCK).workerKernels(impl);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--workers " + workers + ": " + e.getMessage());
        }
        Path path = SharedArray.directory().resolve("paralelo-demo-" + ProcessHandle.current().pid() + ".npy");
        // Ctrl-C or SIGTERM skips the finally below: the hook removes the 16 MiB array then.
        Thread cleanup = new Thread(() -> {
            try {
                java.nio.file.Files.deleteIfExists(path);
            } catch (IOException e) {
                // exiting anyway
            }
        }, "paralelo-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (SharedArray a = SharedArray.create(path, DType.F32, new long[] {DEMO_LENGTH}, true, v -> {
                    F32Array x = (F32Array) v;
                    for (int i = 0; i < DEMO_LENGTH; i++) x.set(i, i);
                })) {
            // The array goes whatever happens next, a pool that fails to start included.
            try (WorkerPool pool = builder.start()) {
                double expected = Kernels.defaults().sum(a.array(F32Array.class));
                double result = 0;
                boolean same = true; // every job's result, warm-up included, has the bits of one process
                long[] nanos = new long[RUNS];
                JobStats stats = null;
                long warm = System.nanoTime() + WARM_NANOS;
                do {
                    result = pool.sum(a);
                    same &= Double.doubleToRawLongBits(result) == Double.doubleToRawLongBits(expected);
                } while (System.nanoTime() < warm);
                for (int r = 0; r < RUNS; r++) {
                    result = pool.sum(a);
                    same &= Double.doubleToRawLongBits(result) == Double.doubleToRawLongBits(expected);
                    stats = pool.lastJob();
                    nanos[r] = stats.nanos();
                }
                Arrays.sort(nanos);
                double seconds = nanos[RUNS / 2] / 1e9;
                if (json) {
                    out.printf(Locale.ROOT, "{\"result\": %s, \"expected\": %s, \"workers\": %d, \"tasks\": %d, \"seconds\": %s}%n",
                            result, expected, workers, stats.tasks(), seconds);
                } else {
                    out.printf(Locale.ROOT, "sum of arange(%d) as float32 in shared memory, %d workers: %.1f%n", DEMO_LENGTH, workers, result);
                    out.printf(Locale.ROOT, "one process:  %.1f (%s)%n", expected, same ? "the same bits" : "DIFFERENT");
                    out.printf(Locale.ROOT, "job: %.3f ms (median of %d), %d tasks of %d elements, %.0f tasks/s, %.2f GB/s%n",
                            seconds * 1e3, RUNS, stats.tasks(), BlockPartition.BLOCK, stats.tasks() / seconds,
                            DEMO_LENGTH * 4.0 / seconds / 1e9);
                }
                out.flush();
                return same ? 0 : 1;
            } finally {
                a.delete();
            }
        } catch (IOException e) {
            throw new UsageException(Main.describe(e, "demo"));
        } catch (PoolException e) {
            throw new UsageException("demo: " + e.getMessage());
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs
            }
        }
    }
}
