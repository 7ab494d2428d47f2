package dev.paralelo.cli;

import dev.paralelo.DType;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.kernel.ConfigurationException;
import dev.paralelo.pool.PoolException;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.shm.SharedArray;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code paralelo sum FILE [--workers N] [--dtype D] [--json] [--listen ENDPOINT [--key F --allow
 * DIR | --insecure] [--wait S] [--await-workers N]]}: a distributed sum, by local workers and by
 * workers that attach over the network when it listens.
 */
@Command(name = "sum", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "The sum of an array file or shared array, computed by N worker processes, and by workers that "
                + "attach over the network when it listens (the bits of one process).")
final class SumCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "0..1", description = "the array: a path, or a shared array's NAME")
    String file;

    @Option(names = "--workers", paramLabel = "N", description = "local worker processes (default: one per core; "
            + "0 with --listen: only workers that attach)")
    int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--listen", paramLabel = "ENDPOINT", description = "also take workers that attach at tcp://HOST:PORT "
            + "(paralelo worker --connect ...); CURVE is on unless the address is loopback or --insecure")
    String listen;

    @Option(names = "--key", paramLabel = "F.key_secret", description = "with --listen: the pool's CURVE key pair")
    String key;

    @Option(names = "--allow", paramLabel = "DIR", description = "with --listen: the directory of workers' public .key files")
    String allow;

    @Option(names = "--insecure", description = "with --listen: plain TCP on a non-loopback address")
    boolean insecure;

    @Option(names = "--wait", paramLabel = "S", defaultValue = "60", description = "seconds to wait for workers (default 60)")
    int wait;

    @Option(names = "--await-workers", paramLabel = "N", defaultValue = "0", description = "start once N workers are there")
    int await;

    @Option(names = "--dtype", paramLabel = "D", converter = DTypeConverter.class,
            description = "element type of a raw file (f64, f32, i64, i32, or numpy's names)")
    DType dtype;

    @Option(names = "--json", description = "one JSON object: {\"sum\": ..., \"workers\": N}, N the workers live as the job "
            + "ended (started and attached)")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws UsageException {
        if (file == null) throw new UsageException("sum needs a FILE (a .npy file, a raw file with --dtype, or a shared array's NAME)");
        if (workers < 0) throw new UsageException("--workers takes a non-negative integer, got '" + workers + "'");
        if (wait < 1) throw new UsageException("--wait takes a positive integer, got '" + wait + "'");
        if (await < 0) throw new UsageException("--await-workers takes a non-negative integer, got '" + await + "'");
        Map<String, String> options = new LinkedHashMap<>();
        if (key != null) options.put("key", key);
        if (allow != null) options.put("allow", allow);
        if (insecure) options.put("insecure", "true");
        if (listen == null && !options.isEmpty()) throw new UsageException("--key, --allow and --insecure go with --listen");
        if (listen == null && workers == 0) throw new UsageException("--workers 0 needs --listen tcp://HOST:PORT (workers that attach)");
        dev.paralelo.Kernels.defaultThreads(); // the thread settings, checked up front as every command does (a bad one is one line)
        PrintWriter out = spec.commandLine().getOut();
        try (SharedArray a = ArrayArgument.open(file, dtype)) {
            String value;
            int used;
            WorkerPool.Builder b = WorkerPool.builder().workers(workers).startTimeout(Duration.ofSeconds(wait));
            if (listen != null) b.listen(listen, options);
            try (WorkerPool pool = b.start()) {
                if (listen != null) {
                    PrintWriter err = spec.commandLine().getErr();
                    err.println("paralelo: listening on " + pool.listenEndpoint() + " for workers (paralelo worker --connect ...)");
                    err.flush();
                }
                if (await > 0 && !pool.awaitWorkers(await, Duration.ofSeconds(wait))) {
                    throw new UsageException("only " + pool.liveWorkers() + " of " + await + " workers came within " + wait + " s");
                }
                value = a.array().dtype().isFloat() ? Double.toString(pool.sum(a)) : Long.toString(pool.sumLong(a));
                used = pool.liveWorkers(); // the pool's own and those that attached, as the job ended
            }
            if (json) {
                boolean finite = !value.equals("NaN") && !value.contains("Infinity");
                out.println("{\"sum\": " + (finite ? value : "null") + ", \"workers\": " + used + "}");
            } else {
                out.println(value);
            }
            out.flush();
            return 0;
        } catch (java.io.IOException e) {
            throw new UsageException(Main.describe(e, "sum: starting the workers"));
        } catch (ConfigurationException e) {
            throw e; // a setting, not the file: one line of its own
        } catch (PoolException | ArithmeticException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new UsageException(file + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException(file + ": interrupted while waiting for workers");
        }
    }
}
