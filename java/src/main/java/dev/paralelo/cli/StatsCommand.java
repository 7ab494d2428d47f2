package dev.paralelo.cli;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.shm.SharedArray;
import dev.paralelo.shm.NpyHeader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code paralelo stats FILE}: maps the file (never reads it into the heap) and prints count,
 * sum, mean, min, max and population std. With {@code --json}, one JSON object with exactly
 * those keys; doubles in Java's shortest round-trip form; NaN, infinities and undefined values
 * (min of nothing) as {@code null}.
 */
final class StatsCommand {
    private StatsCommand() {}

    static int run(String[] args, PrintStream out) throws UsageException {
        String file = null;
        DType dtype = DType.F64;
        int threads = 0;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = true;
                case "--dtype" -> {
                    try {
                        dtype = DType.parse(value(args, ++i, "--dtype"));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "--threads" -> threads = positive(value(args, ++i, "--threads"), "--threads");
                default -> {
                    if (args[i].startsWith("--")) throw new UsageException("unknown option " + args[i] + " for stats");
                    if (file != null) throw new UsageException("stats takes one FILE, got '" + file + "' and '" + args[i] + "'");
                    file = args[i];
                }
            }
        }
        if (file == null) throw new UsageException("stats needs a FILE (a .npy or raw file)");
        Kernels k = Kernels.defaults().withThreads(threads);
        Path path = Path.of(file);
        if (!java.nio.file.Files.exists(path) && !file.contains("/") && !file.contains("..")) {
            Path named = SharedArray.resolve(file); // a shared array's name
            if (java.nio.file.Files.exists(named)) path = named;
        }
        try (SharedArray mf = SharedArray.openAny(path, dtype, false)) {
            Map<String, Object> stats = compute(k, mf.array());
            if (json) {
                out.println(toJson(stats));
            } else {
                NpyHeader h = mf.header();
                out.println(file + ": " + mf.array().dtype().label() + ", shape "
                        + NpyHeader.shapeString(mf.shape()) + (h == null ? " (raw)" : " (.npy v" + h.version() + ")"));
                for (Map.Entry<String, Object> e : stats.entrySet()) {
                    out.printf("%-6s %s%n", e.getKey(), e.getValue() == null ? "undefined" : e.getValue());
                }
            }
            return 0;
        } catch (NoSuchFileException e) {
            throw new UsageException(file + ": no such file");
        } catch (IOException e) {
            throw new UsageException(file + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        } catch (ArithmeticException | IllegalArgumentException | IllegalStateException e) {
            throw new UsageException(file + ": " + e.getMessage());
        }
    }

    private static String value(String[] args, int i, String opt) throws UsageException {
        if (i >= args.length) throw new UsageException(opt + " needs a value");
        return args[i];
    }

    private static int positive(String s, String opt) throws UsageException {
        try {
            int v = Integer.parseInt(s);
            if (v < 1) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(opt + " takes a positive integer, got '" + s + "'");
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
