package dev.paralelo.cli;

import dev.paralelo.DType;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.pool.PoolException;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.shm.SharedArray;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code paralelo sum FILE [--workers N] [--dtype D] [--json]}: a distributed sum. */
@Command(name = "sum", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "The sum of an array file or shared array, computed by N worker processes "
                + "(the bits of one process).")
final class SumCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "0..1", description = "the array: a path, or a shared array's NAME")
    String file;

    @Option(names = "--workers", paramLabel = "N", description = "worker processes (default: one per core)")
    int workers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--dtype", paramLabel = "D", converter = DTypeConverter.class,
            description = "element type of a raw file (f64, f32, i64, i32, or numpy's names)")
    DType dtype;

    @Option(names = "--json", description = "one JSON object: {\"sum\": ..., \"workers\": N}")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws UsageException {
        if (file == null) throw new UsageException("sum needs a FILE (a .npy file, a raw file with --dtype, or a shared array's NAME)");
        if (workers < 1) throw new UsageException("--workers takes a positive integer, got '" + workers + "'");
        PrintWriter out = spec.commandLine().getOut();
        try (SharedArray a = ArrayArgument.open(file, dtype)) {
            String value;
            try (WorkerPool pool = WorkerPool.start(workers)) {
                value = a.array().dtype().isFloat() ? Double.toString(pool.sum(a)) : Long.toString(pool.sumLong(a));
            }
            if (json) {
                boolean finite = !value.equals("NaN") && !value.contains("Infinity");
                out.println("{\"sum\": " + (finite ? value : "null") + ", \"workers\": " + workers + "}");
            } else {
                out.println(value);
            }
            out.flush();
            return 0;
        } catch (java.io.IOException e) {
            throw new UsageException(Main.describe(e, "sum: starting the workers"));
        } catch (PoolException | ArithmeticException | IllegalArgumentException | IllegalStateException e) {
            throw new UsageException(file + ": " + e.getMessage());
        }
    }
}
