package dev.paralelo.cli;

import dev.paralelo.cli.Main.UsageException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code paralelo bench}: the benchmark report. The launcher runs it (the report lives in the
 * benchmarks' jar, {@code dev.paralelo.bench.Report}, which parses these same options); this
 * class is its help.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"The benchmark report: every implementation, numpy and two C probes on the same data "
                + "(about 6 minutes on 2 cores), with a progress bar, tables and targets.",
                "Writes latest.json, latest.md and two charts to the output folder (default bench/output, "
                        + "ignored by git) and names it at the end. Every output location is checked before anything is "
                        + "measured.",
                "bench mpi [--out=DIR] [--smoke]: the MPI figures (./paralelo bench mpi --help)."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", description = "the output folder (default: bench/output)")
    Path out;

    @Option(names = "--json", paramLabel = "FILE", description = "the results' JSON file (default: DIR/latest.json)")
    Path json;

    @Option(names = "--full", description = "the whole JMH suite instead (hours on 2 cores)")
    boolean full;

    @Option(names = "--jmh-param", paramLabel = "NAME=V1,V2", description = "with --full: restricts a JMH parameter")
    List<String> jmhParams;

    @Option(names = "--cores", description = "the many-core figures alone: the scaling table and the targets that depend on the "
            + "core count (no pool, no per-call overheads; minutes on 16 cores)")
    boolean cores;

    @Option(names = "--pool-only", description = "the worker pool's figures alone, printed (nothing written)")
    boolean poolOnly;

    @Option(names = "--replot", paramLabel = "FILE", description = "prints and draws a written report's JSON again, measuring nothing")
    Path replot;

    @Option(names = "--machine", paramLabel = "TEXT", description = "with --replot: the machine the JSON was measured on (default: this one)")
    String machine;

    @Override
    public Integer call() throws UsageException {
        throw LauncherOnly.refusal("bench");
    }
}
