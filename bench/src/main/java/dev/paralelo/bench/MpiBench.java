package dev.paralelo.bench;

import dev.paralelo.DType;
import dev.paralelo.ExactSum;
import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import dev.paralelo.Reduction;
import dev.paralelo.mpi.Distributed;
import dev.paralelo.mpi.Mpi;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
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

/**
 * The MPI figures (issue "Scale-out on Open MPI"), all in one run ({@code ./paralelo bench mpi}):
 * <ul>
 *   <li>allreduce latency on 2 ranks, one double and 1 MiB (MPI_SUM), and the exact allreduce
 *       of one ExactSum ({@code pl_acc}, 576 bytes), through the Java binding and through the
 *       same shim calls from the C program {@code paralelo_mpi_bench}, alternated in rounds so
 *       that both see the same machine;</li>
 *   <li>a distributed sum of 2^27 f64 (a 1 GiB .npy file in /dev/shm) on 1, 2 and 4 ranks, each
 *       rank mapping its part, against the in-process sum in one JVM.</li>
 * </ul>
 * Each rank program is this class too ({@code rank latency|sum ...}). Results: a Markdown table
 * on stdout, and mpi.md and mpi.json in bench/results (the README's figures) or {@code --out DIR};
 * {@code --smoke} (for tests) writes nothing unless --out names a folder.
 */
public final class MpiBench {
    private MpiBench() {}

    static final String HELP = """
            Usage: paralelo bench mpi [--out=DIR] [--smoke]
            The MPI figures: allreduce latency on 1 and 2 ranks (Java binding against the same calls
            from C) and a distributed sum of 2^27 f64 (a 1 GiB array in /dev/shm) on 1, 2 and 4 ranks
            (minutes on 2 cores). Prints a Markdown table and writes mpi.md and mpi.json.
                  --out=DIR   the output folder (default: the tree's bench/results,
                                the README's figures)
                  --smoke     a tiny run (for tests): writes nothing unless --out is given
              -h, --help      Show this help message and exit.
            """;

    /** The command line of {@code bench mpi}. */
    record Options(boolean smoke, Path out, boolean help) {}

    /** The source tree: the C program's build folder and the default output are in it. */
    static Path root() {
        return Path.of(System.getProperty("paralelo.bench.root", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /**
     * The options, {@code --out DIR} or {@code --out=DIR}; anything else is refused. A relative
     * DIR is taken from the working directory when the launcher ran it there (it passes the tree
     * as {@code -Dparalelo.bench.root} and starts bench mpi in the caller's directory), and
     * refused otherwise: run in the source tree, a relative path would land somewhere the user
     * did not mean.
     */
    static Options parse(String[] args) {
        boolean smoke = false, help = false;
        Path out = null;
        Cli.Args a = new Cli.Args(args);
        while (a.next()) {
            switch (a.name()) {
                case "--smoke" -> { a.flag(); smoke = true; }
                case "-h", "--help" -> { a.flag(); help = true; }
                case "--out" -> {
                    out = a.path("a DIR");
                    if (!out.isAbsolute()) {
                        if (System.getProperty("paralelo.bench.root") == null) {
                            throw Cli.usage("--out " + out + ": give an absolute path (bench mpi runs in the source tree, "
                                    + root() + ", not where it was started), e.g. --out \"$PWD/" + out + "\"");
                        }
                        out = out.toAbsolutePath();
                    }
                }
                default -> throw Cli.usage("unknown option " + a.arg() + " (use --out DIR, --smoke; see ./paralelo bench mpi --help)");
            }
        }
        return new Options(smoke, out, help);
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("rank")) {
            rank(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int status = 0;
        try {
            Options o = parse(args);
            if (o.help()) {
                System.out.print(HELP);
                return;
            }
            drive(o);
        } catch (Cli.Failure f) {
            if (stopping()) return; // Ctrl-C or SIGTERM: the hook cleans up, the JVM exits quietly
            System.out.flush();
            System.err.println("paralelo bench mpi: " + f.getMessage());
            status = f.status;
        } catch (Exception | Error e) {
            if (stopping()) return;
            System.out.flush();
            System.err.println("paralelo bench mpi: " + (e instanceof IOException io ? Cli.describe(io) : e.toString()));
            status = 1;
        }
        if (status != 0) System.exit(status);
    }

    /** Set by the shutdown hook: a Ctrl-C or SIGTERM stops the run, and its failures are not reported. */
    private static volatile boolean stopping;
    /** The mpirun now running, for the shutdown hook to stop. */
    private static volatile Process running;

    /**
     * Whether the JVM is exiting on a signal. The signal reaches mpirun's ranks (Ctrl-C: the whole
     * foreground process group) about when it reaches this JVM, so a failed mpirun may be seen
     * before the hook has run: a failure waits a moment for it before it is reported.
     */
    private static boolean stopping() {
        for (int i = 0; i < 10 && !stopping; i++) {
            try {
                Thread probe = new Thread(() -> { });
                Runtime.getRuntime().addShutdownHook(probe);
                Runtime.getRuntime().removeShutdownHook(probe);
            } catch (IllegalStateException e) {
                return true; // shutdown in progress
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return true;
            }
        }
        return stopping;
    }

    // ---- the ranks --------------------------------------------------------------------------

    private static void rank(String[] args) throws Exception {
        PrintStream out = System.out;
        try (Mpi mpi = Mpi.init()) {
            if (args[0].equals("latency")) {
                int reps = Integer.parseInt(args[1]), iters = Integer.parseInt(args[2]);
                F64Array one = F64Array.of(1.0), mib = F64Array.allocate((1 << 20) / 8);
                ExactSum acc = ExactSum.of(0.1);
                // Warm-up: the JIT compiles the call paths before anything is timed (C2 needs
                // tens of thousands of calls, and its threads share these cores).
                for (int i = 0; i < 10 * iters; i++) mpi.allreduce(one, Reduction.SUM);
                for (int i = 0; i < 10 * iters; i++) mpi.allreduce(acc);
                double t1 = measure(mpi, reps, iters, () -> mpi.allreduce(one, Reduction.SUM));
                double tm = measure(mpi, reps, Math.max(10, iters / 100), () -> mpi.allreduce(mib, Reduction.SUM));
                double te = measure(mpi, reps, iters, () -> mpi.allreduce(acc));
                if (mpi.rank() == 0) {
                    out.printf(Locale.ROOT, "java allreduce-f64x1 %.1f%njava allreduce-1MiB %.1f%njava allreduce-exact %.1f%n", t1, tm, te);
                }
            } else if (args[0].equals("sum")) {
                int reps = Integer.parseInt(args[2]);
                try (SharedArray part = SharedArray.openPart(Path.of(args[1]), null, mpi.size(), mpi.rank())) {
                    Distributed d = new Distributed(mpi);
                    Distributed.Part x = Distributed.Part.of(part);
                    double[] t = new double[reps];
                    double first = 0, sum = 0;
                    for (int r = 0; r < reps; r++) {
                        mpi.barrier();
                        long s = System.nanoTime();
                        sum = d.sum(x);
                        t[r] = (System.nanoTime() - s) / 1e6;
                        if (r == 0) first = t[r];
                    }
                    Arrays.sort(t);
                    if (mpi.rank() == 0) {
                        out.printf(Locale.ROOT, "sum %d %.3f %.3f %d %s%n", mpi.size(), t[reps / 2], first,
                                d.kernels().threads(), Double.toHexString(sum));
                    }
                }
            }
        }
    }

    private static double measure(Mpi mpi, int reps, int iters, Runnable call) {
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) {
            mpi.barrier();
            long s = System.nanoTime();
            for (int i = 0; i < iters; i++) call.run();
            t[r] = (System.nanoTime() - s) / (double) iters;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    // ---- the driver -------------------------------------------------------------------------

    private static void drive(Options o) throws Exception {
        boolean smoke = o.smoke();
        Path cBench = root().resolve(Path.of("java", "target", "native", "paralelo_mpi_bench"));
        if (!Files.isExecutable(cBench)) {
            throw Cli.failed(cBench + " is missing: CMake builds it where MPI is found (install openmpi-bin "
                    + "and libopenmpi-dev, then ./paralelo build)");
        }
        // Where the figures go, checked before minutes of measuring: --out, else the tree's
        // bench/results (the README's figures); a smoke run without --out writes nothing.
        Path outDir = o.out() != null ? o.out() : smoke ? null : root().resolve(Path.of("bench", "results"));
        if (outDir != null) {
            Cli.writableDir(o.out() != null ? "--out" : "the output folder", outDir);
            for (String f : new String[] {"mpi.md", "mpi.json"}) {
                Cli.writableFile(o.out() != null ? "--out" : "the output folder", outDir.resolve(f));
            }
        }
        Path file = SharedArray.directory().resolve("paralelo-bench-mpi-" + ProcessHandle.current().pid() + ".npy");
        // Ctrl-C or SIGTERM skips the finally blocks below: the hook stops the mpirun under way
        // (a SIGTERM from timeout(1) reaches this JVM alone) and removes the 1 GiB array, or the
        // temporary file it is being made in.
        Thread cleanup = new Thread(() -> {
            stopping = true;
            stop(running);
            removeArray(file);
        }, "paralelo-bench-mpi-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            drive(smoke, cBench, file, outDir);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs
            }
        }
    }

    /** Stops an mpirun (it passes SIGTERM on to its ranks), then anything of it still alive. */
    private static void stop(Process p) {
        if (p == null || !p.isAlive()) return;
        List<ProcessHandle> ranks = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (InterruptedException e) {
            p.destroyForcibly();
        }
        ranks.forEach(ProcessHandle::destroyForcibly);
    }

    /** The array, and the temporary file SharedArray.create makes it in (.NAME.PID.*.partial). */
    private static void removeArray(Path file) {
        try {
            Files.deleteIfExists(file);
            try (var partial = Files.newDirectoryStream(file.getParent(),
                    "." + file.getFileName() + "." + ProcessHandle.current().pid() + ".*.partial")) {
                for (Path p : partial) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // exiting anyway
        }
    }

    private static void drive(boolean smoke, Path cBench, Path file, Path outDir) throws Exception {
        Map<String, List<Double>> lat = new LinkedHashMap<>();
        int rounds = smoke ? 1 : 2, reps = smoke ? 5 : 9, iters = smoke ? 2000 : 10000;
        // One rank: the cost of a call itself (MPI copies in place, no partner to wait for), where
        // the binding's overhead shows; two ranks: a real exchange through shared memory.
        for (int round = 0; round < rounds; round++) {
            for (int np : new int[] {1, 2}) {
                parse(np, mpirun(np, List.of(cBench.toString(), Integer.toString(reps), Integer.toString(iters))), lat);
                parse(np, mpirun(np, rankJvm("latency", Integer.toString(reps), Integer.toString(iters))), lat);
            }
        }
        long n = smoke ? 1L << 22 : 1L << 27;
        Map<String, String> sums = new LinkedHashMap<>();
        double inProcess;
        String inProcessBits;
        try (SharedArray a = SharedArray.create(file, DType.F64, new long[] {n}, true, v -> {
            F64Array x = (F64Array) v;
            for (long i = 0; i < x.length(); i++) x.set(i, (i % 1000) * 0.001 + 1.0 / (1 + i % 7));
        })) {
            Kernels k = Kernels.defaults();
            F64Array x = (F64Array) a.array();
            double[] t = new double[smoke ? 3 : 9];
            double s = 0;
            for (int r = 0; r < t.length; r++) {
                long st = System.nanoTime();
                s = k.sum(x);
                t[r] = (System.nanoTime() - st) / 1e6;
            }
            Arrays.sort(t);
            inProcess = t[t.length / 2];
            inProcessBits = Double.toHexString(s);
            for (int ranks : new int[] {1, 2, 4}) {
                for (String l : mpirun(ranks, rankJvm("sum", file.toString(), Integer.toString(smoke ? 3 : 9)))) {
                    if (l.startsWith("sum ")) sums.put(Integer.toString(ranks), l);
                }
            }
        } finally {
            removeArray(file);
        }
        report(lat, n, inProcess, inProcessBits, sums, outDir);
    }

    private static List<String> rankJvm(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                MpiBench.class.getName(), "rank"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private static List<String> mpirun(int ranks, List<String> command) throws IOException, InterruptedException {
        // --oversubscribe only where it is needed: it makes waiting ranks yield the CPU, which
        // costs latency.
        List<String> cmd = new ArrayList<>();
        // In a session of its own where setsid(1) is there: a Ctrl-C then reaches this JVM alone,
        // whose hook stops mpirun with SIGTERM, and mpirun ends its ranks and removes its shared
        // memory segments (ranks hit by the terminal's SIGINT themselves leave those in /dev/shm).
        if (Files.isExecutable(SETSID)) cmd.add(SETSID.toString());
        cmd.addAll(List.of("mpirun", "-np", Integer.toString(ranks), "--bind-to", "none"));
        if (ranks > Report.CORES) cmd.add("--oversubscribe");
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-run-as-root");
        cmd.addAll(command);
        if (stopping) throw Cli.failed("stopped");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        running = p;
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
                String tail = String.join("\n  ", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
                String what = String.join(" ", cmd.subList(cmd.indexOf("mpirun"), cmd.size()));
                throw Cli.failed(what + " failed (" + (p.isAlive() ? "timed out" : "exit status " + p.exitValue()) + ")"
                        + (tail.isEmpty() ? "" : "; its last lines:\n  " + tail));
            }
            return out.lines().toList();
        } finally {
            running = null;
        }
    }

    private static void parse(int np, List<String> lines, Map<String, List<Double>> into) {
        for (String l : lines) {
            String[] f = l.split(" ");
            if (f.length == 3 && (f[0].equals("c") || f[0].equals("java"))) {
                into.computeIfAbsent(f[0] + " " + f[1] + " " + np, k -> new ArrayList<>()).add(Double.parseDouble(f[2]));
            }
        }
    }

    private static String openMpiVersion() {
        try {
            for (String l : new String(new ProcessBuilder("mpirun", "--version").redirectErrorStream(true).start().getInputStream()
                    .readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                if (l.startsWith("mpirun")) return l.replaceAll(".*\\) ", "");
            }
        } catch (IOException e) {
            // unknown
        }
        return "?";
    }

    private static double median(List<Double> v) {
        if (v == null || v.isEmpty()) return Double.NaN;
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    private static void report(Map<String, List<Double>> lat, long n, double inProcess, String inProcessBits,
            Map<String, String> sums, Path outDir) throws IOException {
        StringBuilder md = new StringBuilder();
        StringBuilder json = new StringBuilder("{\n  \"machine\": \"" + Report.machine().replace("\"", "'") + "\",\n  \"figures\": [\n");
        md.append("MPI (Open MPI ").append(openMpiVersion()).append(", shared memory), ").append(Report.machine()).append("\n\n");
        md.append("| allreduce, per call (µs, median) | C, 1 rank | Java, 1 rank | Java adds | C, 2 ranks | Java, 2 ranks |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        List<String> figs = new ArrayList<>();
        for (String op : new String[] {"allreduce-f64x1", "allreduce-1MiB", "allreduce-exact"}) {
            double c1 = median(lat.get("c " + op + " 1")) / 1e3, j1 = median(lat.get("java " + op + " 1")) / 1e3;
            double c2 = median(lat.get("c " + op + " 2")) / 1e3, j2 = median(lat.get("java " + op + " 2")) / 1e3;
            String label = switch (op) {
                case "allreduce-f64x1" -> "1 double, MPI_SUM";
                case "allreduce-1MiB" -> "1 MiB of doubles, MPI_SUM";
                default -> "1 ExactSum (576 bytes), exact merge";
            };
            md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.2f | %.2f |%n", label, c1, j1, j1 - c1, c2, j2));
            for (String[] v : new String[][] {{"c 1", "" + c1}, {"java 1", "" + j1}, {"c 2", "" + c2}, {"java 2", "" + j2}}) {
                figs.add(String.format(Locale.ROOT, "{\"name\": \"%s %s ranks\", \"value\": %s, \"unit\": \"us\"}", op, v[0], v[1]));
            }
        }
        md.append(String.format(Locale.ROOT, "%n| sum of %s f64 (%d MiB) | ranks × threads | median (ms) | first pass (ms) | GB/s | bits |%n"
                + "|---|---|---:|---:|---:|---|%n", n == 1L << 27 ? "2^27" : Long.toString(n), n * 8 >> 20));
        md.append(String.format(Locale.ROOT, "| one JVM, in process | 1 × %d | %.1f | | %.2f | %s |%n", Kernels.defaultThreads(),
                inProcess, n * 8 / inProcess / 1e6, inProcessBits));
        figs.add(String.format(Locale.ROOT, "{\"name\": \"sum in-process ms\", \"value\": %.3f, \"unit\": \"ms\"}", inProcess));
        for (Map.Entry<String, String> e : sums.entrySet()) {
            String[] f = e.getValue().split(" ");
            int ranks = Integer.parseInt(f[1]);
            double med = Double.parseDouble(f[2]), first = Double.parseDouble(f[3]);
            String over = ranks > Report.CORES ? " (oversubscribed: " + ranks + " ranks on " + Report.CORES + " cores)" : "";
            md.append(String.format(Locale.ROOT, "| mpirun -np %d%s | %d × %s | %.1f | %.1f | %.2f | %s |%n", ranks, over, ranks, f[4],
                    med, first, n * 8 / med / 1e6, f[5].equals(inProcessBits) ? "same" : "DIFFERENT: " + f[5]));
            figs.add(String.format(Locale.ROOT, "{\"name\": \"sum %d ranks ms\", \"value\": %.3f, \"unit\": \"ms\"}", ranks, med));
        }
        json.append("    ").append(String.join(",\n    ", figs)).append("\n  ]\n}\n");
        System.out.print(md);
        if (outDir != null) {
            try {
                Files.writeString(outDir.resolve("mpi.md"), md.toString());
                Files.writeString(outDir.resolve("mpi.json"), json.toString());
            } catch (IOException e) {
                throw Cli.failed("could not write the figures (printed above): " + Cli.describe(e));
            }
            System.out.println("wrote " + outDir + ": mpi.md, mpi.json");
        }
    }
}
