package dev.paralelo.cli;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.kernel.ConfigurationException;
import dev.paralelo.shm.NpyHeader;
import dev.paralelo.shm.SharedArray;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code paralelo stats FILE}: maps the file (never reads it into the heap) and prints count,
 * sum, mean, min, max and population std. With {@code --json}, one JSON object with exactly
 * those keys; doubles in Java's shortest round-trip form; NaN, infinities and undefined values
 * (min of nothing) as {@code null}.
 */
@Command(name = "stats", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Count, sum, mean, min, max and population std of an array file, mapped (never read into the heap).",
                "FILE is a .npy file (v1-3; little-endian f8/f4/i8/i4; C or Fortran order), a raw file (needs --dtype) "
                        + "or a shared array's NAME (a bare word that is not a file here)."})
final class StatsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "0..1", description = "the array: a path, or a shared array's NAME")
    String file;

    @Option(names = "--dtype", paramLabel = "D", converter = DTypeConverter.class,
            description = "element type of a raw file (f64, f32, i64, i32, or numpy's names: float64, <f8, ...)")
    DType dtype;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "threads per call; 0 (the default) uses -Dparalelo.threads, PARALELO_THREADS, "
                    + "OMP_NUM_THREADS or one per core")
    int threads;

    @Option(names = "--json", description = "one JSON object: count, sum, mean, min, max, std (null for NaN or undefined)")
    boolean json;

    @Option(names = "--kernels", paramLabel = "K", defaultValue = "auto",
            description = "auto (the default: the provider's choice, native where the library loads), native, java, "
                    + "vector or scalar; the same bits from each. If another process truncates the file during the call, "
                    + "that is an error, exit 2, with every choice")
    String kernels;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws UsageException {
        return run(spec.commandLine().getOut());
    }

    private int run(PrintWriter out) throws UsageException {
        if (file == null) throw new UsageException("stats needs a FILE (a .npy file, a raw file with --dtype, or a shared array's NAME)");
        if (threads < 0) throw new UsageException("--threads takes a non-negative integer (0 = default), got '" + threads + "'");
        Kernels k = KernelChoice.kernels(kernels).withThreads(threads);
        try (SharedArray mf = ArrayArgument.open(file, dtype)) {
            NpyHeader h = mf.header();
            Map<String, Object> stats;
            try {
                stats = compute(k, mf.array());
                mf.checkIntact();     // a truncation that raced with the last kernel call
            } catch (InternalError e) {
                // The pure-Java kernels touched a page that another process truncated away: the
                // JVM turns that SIGBUS into an InternalError (docs/FORMAT.md). The native
                // kernels' guard gives an IllegalStateException, caught below.
                dev.paralelo.internal.MappingFault.orRethrow(e);
                throw new UsageException(file + ": the file was truncated while being read (" + e.getMessage() + ")");
            }
            if (json) {
                out.println(toJson(stats));
            } else {
                out.println(SharedArray.printable(file) + ": " + mf.array().dtype().label() + ", shape "
                        + NpyHeader.shapeString(mf.shape()) + (h == null ? " (raw)" : " (.npy v" + h.version() + (h.fortranOrder() ? ", Fortran order" : "") + ")"));
                for (Map.Entry<String, Object> e : stats.entrySet()) {
                    out.printf("%-6s %s%n", e.getKey(), e.getValue() == null ? "undefined" : e.getValue());
                }
            }
            out.flush();
            return 0;
        } catch (ConfigurationException e) {
            throw e; // a setting (PARALELO_THREADS, ...), not the file: one line of its own
        } catch (ArithmeticException | IllegalArgumentException | IllegalStateException e) {
            throw new UsageException(file + ": " + e.getMessage());
        }
    }

    static Map<String, Object> compute(Kernels k, NumArray a) {
        Map<String, Object> m = new LinkedHashMap<>();
        long n = a.length();
        m.put("count", n);
        switch (a) {
            case F64Array x -> {
                putSumAndMean(m, k.sum(x), n);
                m.put("min", n == 0 ? null : k.min(x));
                m.put("max", n == 0 ? null : k.max(x));
            }
            case F32Array x -> {
                putSumAndMean(m, k.sum(x), n);
                m.put("min", n == 0 ? null : k.min(x));
                m.put("max", n == 0 ? null : k.max(x));
            }
            case I64Array x -> {
                putSumAndMean(m, k.sum(x), n);
                m.put("min", n == 0 ? null : k.min(x));
                m.put("max", n == 0 ? null : k.max(x));
            }
            case I32Array x -> {
                putSumAndMean(m, k.sum(x), n);
                m.put("min", n == 0 ? null : k.min(x));
                m.put("max", n == 0 ? null : k.max(x));
            }
        }
        m.put("std", k.std(a));
        return m;
    }

    /** The mean is the sum divided by the count, exactly as {@link Kernels#mean} defines it: no second pass. */
    private static void putSumAndMean(Map<String, Object> m, double sum, long n) {
        m.put("sum", sum);
        m.put("mean", sum / n);
    }

    private static void putSumAndMean(Map<String, Object> m, long sum, long n) {
        m.put("sum", sum);
        m.put("mean", (double) sum / n);
    }

    static String toJson(Map<String, Object> stats) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : stats.entrySet()) {
            if (sb.length() > 1) sb.append(", ");
            sb.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof Double d && !Double.isFinite(d)) v = null;
            sb.append(v == null ? "null" : v.toString());
        }
        return sb.append('}').toString();
    }
}
