package dev.paralelo.cli;

import dev.paralelo.DType;
import dev.paralelo.ExactSum;
import dev.paralelo.Extremum;
import dev.paralelo.IntegerSum;
import dev.paralelo.I64Array;
import dev.paralelo.Kernels;
import dev.paralelo.Partial;
import dev.paralelo.Reduction;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.kernel.ConfigurationException;
import dev.paralelo.mpi.Distributed;
import dev.paralelo.mpi.Mpi;
import dev.paralelo.mpi.MpiException;
import dev.paralelo.mpi.PeerFailureException;
import dev.paralelo.shm.NpyFormatException;
import dev.paralelo.shm.NpyHeader;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code mpirun -np N paralelo mpi sum|stats FILE}: every rank maps only its own part of the
 * file (the block partition), reduces it on its cores, and the exact partial states merge
 * across ranks; rank 0 prints the result, bit for bit what {@code paralelo stats} prints.
 * {@code --json}: {@code {"sum": ..., "ranks": N}} for sum, stats' keys and "ranks" for stats.
 *
 * <p>An error prints one line, from one rank only: the lowest rank that failed on its own (its
 * part cannot be opened), or rank 0 for what every rank finds alike (bad usage, an integer sum
 * that overflows). Every rank exits 2, none waits for the others.
 */
@Command(name = "mpi", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Under mpirun -np N: sum or stats of FILE, each rank mapping only its part; rank 0 prints the "
                + "result, the bits of one process (README, \"More than one machine\"; docs/MPI.md).",
                "Usage: mpirun -np N ./paralelo mpi sum|stats FILE [--dtype D] [--threads N] [--json]"})
final class MpiCommand implements Callable<Integer> {
    static final String USAGE = "mpi sum|stats FILE [--dtype D] [--threads N] [--json], under mpirun";

    /** Everything after "mpi": parsed below, alike on every rank, so that one rank reports. */
    @Unmatched
    List<String> args = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws UsageException {
        PrintWriter w = spec.commandLine().getOut();
        PrintStream out = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                w.write(b);
            }

            @Override
            public void flush() {
                w.flush();
            }
        }, true, java.nio.charset.StandardCharsets.UTF_8);
        int status = run(args.toArray(String[]::new), out);
        out.flush();
        return status;
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

    static int run(String[] args, PrintStream out) throws UsageException {
        String sub = args.length > 0 ? args[0] : null;
        String file = null;
        DType dtype = null;
        int threads = 0;
        boolean json = false;
        try {
            if (!"sum".equals(sub) && !"stats".equals(sub)) throw new UsageException("usage: paralelo " + USAGE);
            for (int i = 1; i < args.length; i++) {
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
                        if (args[i].startsWith("--")) throw new UsageException("unknown option " + args[i] + " for mpi " + sub);
                        if (file != null) throw new UsageException("mpi " + sub + " takes one FILE, got '" + file + "' and '" + args[i] + "'");
                        file = args[i];
                    }
                }
            }
            if (file == null) throw new UsageException("mpi " + sub + " needs a FILE (a .npy file, a raw file with --dtype, or a shared array's NAME)");
        } catch (UsageException e) {
            // Every rank has the same arguments: one line is enough.
            if (launchedRank() > 0) return 2;
            throw e;
        }
        try {
            // The settings (-Dparalelo.*, PARALELO_THREADS, ...), alike on every rank: checked
            // before MPI starts, so that a bad one is one line from one rank.
            Kernels.defaults();
            Kernels.defaultThreads();
        } catch (ConfigurationException e) {
            if (launchedRank() > 0) return 2;
            throw e;
        }
        Mpi mpi;
        try {
            mpi = Mpi.init();
        } catch (UnsatisfiedLinkError | MpiException e) {
            throw new UsageException("MPI is not available: " + e.getMessage());
        }
        int status;
        try {
            status = run(mpi, sub, file, dtype, threads, json, out);
        } catch (UsageException e) {
            mpi.close(); // every rank knows: the failures are agreed on before each step
            throw e;
        } catch (RuntimeException | Error e) {
            // Unexpected, and maybe on this rank alone: finishing politely would wait for ranks
            // that wait for this one. End the job.
            System.err.println("paralelo: rank " + mpi.rank() + ": " + e);
            mpi.abort(1);
            throw e;
        }
        mpi.close();
        return status;
    }

    private static int run(Mpi mpi, String sub, String file, DType dtype, int threads, boolean json, PrintStream out)
            throws UsageException {
        SharedArray part = null;
        UsageException problem = null;
        try {
            part = SharedArray.openPart(ArrayArgument.locate(file), dtype, mpi.size(), mpi.rank());
            NpyHeader h = part.header();
            if (dtype != null && h != null && h.dtype() != dtype) {
                throw new UsageException(file + ": --dtype " + dtype.label() + " contradicts the .npy header, which says "
                        + h.dtype().label() + "; drop --dtype for a .npy file");
            }
        } catch (UsageException e) {
            problem = e;
        } catch (NpyFormatException e) {
            problem = new UsageException(file + ": " + e.getMessage());
        } catch (IOException e) {
            problem = new UsageException(Main.describe(e, file));
        }
        int failed = mpi.lowestFailed(problem != null);
        if (failed >= 0) {
            if (part != null) part.close();
            if (failed == mpi.rank()) throw new UsageException("rank " + failed + ": " + problem.getMessage());
            return 2;
        }
        // Ranks on other hosts may see other files at the same path (copies that differ): each
        // would reduce its part of another array, and the sum would be nobody's. And ranks given
        // different subcommands (an MPMD command line) would wait in different collectives for
        // ever. They agree on the subcommand, the element type and the length first.
        long subCode = sub.equals("sum") ? 0 : 1;
        I64Array lo = I64Array.of(subCode, part.array().dtype().code(), part.fileLength());
        I64Array hi = I64Array.of(lo.get(0), lo.get(1), lo.get(2));
        mpi.allreduce(lo, Reduction.MIN);
        mpi.allreduce(hi, Reduction.MAX);
        if (lo.get(0) != hi.get(0) || lo.get(1) != hi.get(1) || lo.get(2) != hi.get(2)) {
            part.close();
            if (mpi.rank() != 0) return 2;
            if (lo.get(0) != hi.get(0)) {
                throw new UsageException("the ranks were given different subcommands (mpi sum and mpi stats): give every rank the same");
            }
            throw new UsageException(file + ": the ranks see different arrays at this path (" + (lo.get(1) != hi.get(1)
                    ? "of different element types" : "of " + lo.get(2) + " to " + hi.get(2) + " elements")
                    + "): give every rank the same file");
        }
        try (SharedArray p = part) {
            Kernels k = threads > 0 ? Kernels.defaults().withThreads(threads)
                    : Kernels.defaults().withThreads(Distributed.threadsPerRank(mpi));
            Distributed d = new Distributed(mpi, k);
            Distributed.Part x = Distributed.Part.of(p);
            Map<String, Object> result = new LinkedHashMap<>();
            try {
                if (sub.equals("sum")) {
                    result.put("sum", sum(d.partial(Reduction.SUM, x)));
                } else {
                    stats(d, x, result);
                }
                p.checkIntact(); // a truncation that raced with the last kernel call
            } catch (PeerFailureException e) {
                return 2; // the failing rank says why
            } catch (ArithmeticException e) {
                // Found alike on every rank (an integer sum past int64): rank 0 says it.
                if (mpi.rank() != 0) return 2;
                throw new UsageException(file + ": " + e.getMessage());
            } catch (IllegalStateException | IllegalArgumentException e) {
                throw new UsageException("rank " + mpi.rank() + ": " + file + ": " + e.getMessage());
            }
            if (mpi.rank() == 0) print(out, sub, file, p, result, mpi.size(), json);
            return 0;
        }
    }

    private static Object sum(Partial s) {
        return switch (s) {
            case ExactSum e -> e.round();
            case IntegerSum i -> i.longValueExact();
            default -> throw new AssertionError(s);
        };
    }

    /** stats' fields, computed as StatsCommand computes them (the mean is sum / count). */
    private static void stats(Distributed d, Distributed.Part x, Map<String, Object> m) {
        long n = x.length();
        m.put("count", n);
        Object sum = sum(d.partial(Reduction.SUM, x));
        m.put("sum", sum);
        m.put("mean", sum instanceof Double s ? s / n : (double) (Long) sum / n);
        Extremum min = (Extremum) d.partial(Reduction.MIN, x), max = (Extremum) d.partial(Reduction.MAX, x);
        boolean fl = x.array().dtype().isFloat();
        m.put("min", n == 0 ? null : fl ? (Object) min.doubleValue() : (Object) min.longValue());
        m.put("max", n == 0 ? null : fl ? (Object) max.doubleValue() : (Object) max.longValue());
        m.put("std", d.std(x, 0));
    }

    private static void print(PrintStream out, String sub, String file, SharedArray p, Map<String, Object> result, int ranks,
            boolean json) {
        if (json) {
            result.put("ranks", ranks);
            out.println(StatsCommand.toJson(result));
        } else if (sub.equals("sum")) {
            out.println(result.get("sum"));
        } else {
            NpyHeader h = p.header();
            // As stats prints it, with the ranks.
            out.println(SharedArray.printable(file) + ": " + p.array().dtype().label() + ", shape "
                    + NpyHeader.shapeString(h != null ? h.shape() : new long[] {p.fileLength()})
                    + (h == null ? " (raw)" : " (.npy v" + h.version() + (h.fortranOrder() ? ", Fortran order" : "") + ")") + ", "
                    + ranks + " ranks");
            for (Map.Entry<String, Object> e : result.entrySet()) {
                out.printf("%-6s %s%n", e.getKey(), e.getValue() == null ? "undefined" : e.getValue());
            }
        }
    }

    /** The rank mpirun gave this process (Open MPI's or PMIx's variable), or -1 outside mpirun. */
    static int launchedRank() {
        for (String v : new String[] {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}) {
            String s = System.getenv(v);
            if (s != null) {
                try {
                    return Integer.parseInt(s.strip());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
