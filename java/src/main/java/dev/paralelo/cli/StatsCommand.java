package dev.paralelo.cli;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.shm.NpyFormatException;
import dev.paralelo.shm.NpyHeader;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
        DType dtype = null;
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
        if (file == null) throw new UsageException("stats needs a FILE (a .npy file, a raw file with --dtype, or a shared array's NAME)");
        Kernels k = Kernels.defaults().withThreads(threads);
        Path path = locate(file);
        try (SharedArray mf = dtype == null ? SharedArray.open(path, false) : SharedArray.openAny(path, dtype, false)) {
            NpyHeader h = mf.header();
            if (dtype != null && h != null && h.dtype() != dtype) {
                throw new UsageException(file + ": --dtype " + dtype.label() + " contradicts the .npy header, which says "
                        + h.dtype().label() + " (" + h.dtype().numpyDescr() + "); drop --dtype for a .npy file");
            }
            Map<String, Object> stats;
            try {
                stats = compute(k, mf.array());
                mf.checkIntact();     // a truncation that raced with the last kernel call
            } catch (InternalError e) {
                // The pure-Java kernels touched a page that another process truncated away: the
                // JVM turns that SIGBUS into an InternalError (docs/FORMAT.md).
                throw new UsageException(file + ": the file was truncated while being read (" + e.getMessage() + ")");
            }
            if (json) {
                out.println(toJson(stats));
            } else {
                out.println(SharedArray.printable(file) + ": " + mf.array().dtype().label() + ", shape "
                        + NpyHeader.shapeString(mf.shape()) + (h == null ? " (raw)" : " (.npy v" + h.version() + ")"));
                for (Map.Entry<String, Object> e : stats.entrySet()) {
                    out.printf("%-6s %s%n", e.getKey(), e.getValue() == null ? "undefined" : e.getValue());
                }
            }
            return 0;
        } catch (NpyFormatException e) {
            String hint = dtype == null && e.getMessage().startsWith("not a .npy file")
                    ? "; a raw file (no header) needs --dtype f64|f32|i64|i32" : "";
            throw new UsageException(file + ": " + e.getMessage() + hint);
        } catch (IOException e) {
            throw new UsageException(Main.describe(e, file));
        } catch (ArithmeticException | IllegalArgumentException | IllegalStateException e) {
            throw new UsageException(file + ": " + e.getMessage());
        }
    }

    /**
     * The file a FILE argument names. An argument with a '/' is a path (relative to the current
     * directory). A bare word is a path when such a file exists here, else a shared array's
     * name (see {@link SharedArray#resolve}); when it is both, which one is meant is not
     * guessed.
     */
    static Path locate(String arg) throws UsageException {
        Path asPath;
        try {
            asPath = Path.of(arg);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException("'" + SharedArray.printable(arg) + "' is not a valid path: " + e.getReason());
        }
        if (arg.contains("/")) return asPath;
        boolean isFile = Files.exists(asPath, LinkOption.NOFOLLOW_LINKS);
        Path named;
        try {
            named = SharedArray.resolve(arg);
        } catch (IllegalArgumentException e) {
            if (isFile) return asPath;
            throw new UsageException(SharedArray.printable(arg) + ": no such file, and not a shared array name ("
                    + e.getMessage() + ")");
        }
        boolean isNamed = Files.exists(named, LinkOption.NOFOLLOW_LINKS);
        if (isFile && isNamed && !sameFile(asPath, named)) {
            throw new UsageException("'" + SharedArray.printable(arg) + "' is ambiguous: it names the file ./" + SharedArray.printable(arg)
                    + " and the shared array " + SharedArray.printable(named.toString()) + "; write ./"
                    + SharedArray.printable(arg) + " for the file or the shared array's full path");
        }
        if (isFile) return asPath;
        if (isNamed) return named;
        throw new UsageException(SharedArray.printable(arg) + ": no such file or shared array (looked in ./ and "
                + SharedArray.directory() + ")");
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    static String value(String[] args, int i, String opt) throws UsageException {
        if (i >= args.length) throw new UsageException(opt + " needs a value");
        return args[i];
    }

    static int positive(String s, String opt) throws UsageException {
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
