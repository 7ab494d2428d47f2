package dev.paralelo.cli;

import dev.paralelo.BlockPartition;
import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.Kernels;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.pool.JobStats;
import dev.paralelo.pool.PoolException;
import dev.paralelo.pool.WorkerMain;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.shm.NpyFormatException;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The worker-pool commands: {@code demo} (the talk's task farm, end to end), {@code sum} (a
 * distributed sum of any array file, by local workers and by workers that attach over the
 * network) and {@code worker} (a worker's entry point).
 */
final class PoolCommands {
    private PoolCommands() {}

    /** The talk's array: 1 &lt;&lt; 22 float32 values, arange. */
    static final int DEMO_LENGTH = 1 << 22;
    private static final int WARMUP = 3, RUNS = 7;

    /**
     * {@code demo [--workers N] [--json]}: puts arange(1 &lt;&lt; 22) as float32 in shared memory,
     * sums it with N workers in one-block tasks (4096 elements, the smallest task the block
     * partition allows; the talk used 1024), checks it against one process, and prints the
     * median job time of 7 runs after 3 warm-up runs.
     */
    static int demo(String[] args, PrintStream out) throws UsageException {
        int workers = Runtime.getRuntime().availableProcessors();
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--workers" -> workers = StatsCommand.positive(StatsCommand.value(args, ++i, "--workers"), "--workers");
                case "--json" -> json = true;
                default -> throw new UsageException("unknown argument '" + args[i] + "' for demo (demo [--workers N] [--json])");
            }
        }
        Path path = SharedArray.directory().resolve("paralelo-demo-" + ProcessHandle.current().pid() + ".npy");
        try (SharedArray a = SharedArray.create(path, DType.F32, new long[] {DEMO_LENGTH}, true, v -> {
                    F32Array x = (F32Array) v;
                    for (int i = 0; i < DEMO_LENGTH; i++) x.set(i, i);
                });
                WorkerPool pool = WorkerPool.builder().workers(workers).taskElements(BlockPartition.BLOCK).start()) {
            try {
                double expected = Kernels.defaults().sum(a.array(F32Array.class));
                double result = 0;
                long[] nanos = new long[RUNS];
                JobStats stats = null;
                for (int r = 0; r < WARMUP + RUNS; r++) {
                    result = pool.sum(a);
                    stats = pool.lastJob();
                    if (r >= WARMUP) nanos[r - WARMUP] = stats.nanos();
                }
                Arrays.sort(nanos);
                double seconds = nanos[RUNS / 2] / 1e9;
                if (json) {
                    out.printf(Locale.ROOT, "{\"result\": %s, \"expected\": %s, \"workers\": %d, \"tasks\": %d, \"seconds\": %s}%n",
                            result, expected, workers, stats.tasks(), seconds);
                } else {
                    out.printf(Locale.ROOT, "sum of arange(%d) as float32 in shared memory, %d workers: %.1f%n", DEMO_LENGTH, workers, result);
                    out.printf(Locale.ROOT, "one process:  %.1f (%s)%n", expected, result == expected ? "the same bits" : "DIFFERENT");
                    out.printf(Locale.ROOT, "job: %.3f ms (median of %d), %d tasks of %d elements, %.0f tasks/s, %.2f GB/s%n",
                            seconds * 1e3, RUNS, stats.tasks(), BlockPartition.BLOCK, stats.tasks() / seconds,
                            DEMO_LENGTH * 4.0 / seconds / 1e9);
                }
                return result == expected ? 0 : 1;
            } finally {
                a.delete();
            }
        } catch (IOException e) {
            throw new UsageException(Main.describe(e, "demo"));
        } catch (PoolException e) {
            throw new UsageException("demo: " + e.getMessage());
        }
    }

    /**
     * {@code sum FILE --workers N [--dtype D] [--json] [--listen ENDPOINT [--key F --allow DIR |
     * --insecure] [--wait SECONDS] [--await-workers N]]}: a distributed sum, also by workers that
     * attach to ENDPOINT (with --await-workers, once N workers are there).
     */
    static int sum(String[] args, PrintStream out, PrintStream err) throws UsageException {
        String file = null, listen = null;
        DType dtype = null;
        int workers = Runtime.getRuntime().availableProcessors(), wait = 60, await = 0;
        boolean json = false;
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--workers" -> workers = nonNegative(StatsCommand.value(args, ++i, "--workers"), "--workers");
                case "--listen" -> listen = StatsCommand.value(args, ++i, "--listen");
                case "--key", "--allow" -> options.put(args[i].substring(2), StatsCommand.value(args, ++i, args[i]));
                case "--insecure" -> options.put("insecure", "true");
                case "--wait" -> wait = StatsCommand.positive(StatsCommand.value(args, ++i, "--wait"), "--wait");
                case "--await-workers" -> await = StatsCommand.positive(StatsCommand.value(args, ++i, "--await-workers"), "--await-workers");
                case "--json" -> json = true;
                case "--dtype" -> {
                    try {
                        dtype = DType.parse(StatsCommand.value(args, ++i, "--dtype"));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                default -> {
                    if (args[i].startsWith("--")) throw new UsageException("unknown option " + args[i] + " for sum");
                    if (file != null) throw new UsageException("sum takes one FILE, got '" + file + "' and '" + args[i] + "'");
                    file = args[i];
                }
            }
        }
        if (file == null) throw new UsageException("sum needs a FILE (a .npy file, a raw file with --dtype, or a shared array's NAME)");
        if (listen == null && !options.isEmpty()) throw new UsageException("--key, --allow and --insecure go with --listen");
        if (listen == null && workers == 0) throw new UsageException("--workers 0 needs --listen tcp://HOST:PORT (workers that attach)");
        Path path = StatsCommand.locate(file);
        try (SharedArray a = dtype == null ? SharedArray.open(path, false) : SharedArray.openAny(path, dtype, false)) {
            if (dtype != null && a.header() != null && a.header().dtype() != dtype) {
                throw new UsageException(file + ": --dtype " + dtype.label() + " contradicts the .npy header, which says "
                        + a.header().dtype().label());
            }
            String value;
            WorkerPool.Builder b = WorkerPool.builder().workers(workers).startTimeout(java.time.Duration.ofSeconds(wait));
            if (listen != null) b.listen(listen, options);
            try (WorkerPool pool = b.start()) {
                if (listen != null) err.println("paralelo: listening on " + pool.listenEndpoint() + " for workers (paralelo worker --connect ...)");
                if (await > 0 && !pool.awaitWorkers(await, java.time.Duration.ofSeconds(wait))) {
                    throw new UsageException("only " + pool.liveWorkers() + " of " + await + " workers came within " + wait + " s");
                }
                value = a.array().dtype().isFloat() ? Double.toString(pool.sum(a)) : Long.toString(pool.sumLong(a));
            }
            if (json) {
                boolean finite = !value.equals("NaN") && !value.contains("Infinity");
                out.println("{\"sum\": " + (finite ? value : "null") + ", \"workers\": " + workers + "}");
            } else {
                out.println(value);
            }
            return 0;
        } catch (NpyFormatException e) {
            String hint = dtype == null && e.getMessage().startsWith("not a .npy file")
                    ? "; a raw file (no header) needs --dtype f64|f32|i64|i32" : "";
            throw new UsageException(file + ": " + e.getMessage() + hint);
        } catch (IOException e) {
            throw new UsageException(Main.describe(e, file));
        } catch (PoolException | ArithmeticException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new UsageException(file + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException(file + ": interrupted while waiting for workers");
        }
    }

    private static int nonNegative(String s, String opt) throws UsageException {
        return s.equals("0") ? 0 : StatsCommand.positive(s, opt);
    }

    /**
     * {@code worker --connect ENDPOINT [--worker I] [--threads T] [--key F --server-key F | --insecure]}:
     * runs a worker (the pool starts these; one started by hand attaches to a listening pool).
     */
    static int worker(String[] args) {
        return WorkerMain.run(args);
    }
}
