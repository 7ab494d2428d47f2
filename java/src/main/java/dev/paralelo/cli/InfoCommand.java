package dev.paralelo.cli;

import dev.paralelo.Kernels;
import dev.paralelo.kernel.Crossover;
import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.KernelProvider;
import dev.paralelo.kernel.NativeKernels;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code paralelo info}: what runs here, and why. */
@Command(name = "info", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Which kernels run here and why, the Java runtime, and the threads a call will use.",
                "Threads per call come from -Dparalelo.threads, else PARALELO_THREADS, else OMP_NUM_THREADS, "
                        + "else one per core; a call never runs more threads than there are cores."})
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("paralelo kernels: " + KernelProvider.reason());
        KernelBackend vector = KernelProvider.vector();
        out.println("vector kernels: " + (vector != null ? vector.describe() : "unavailable, " + KernelProvider.vectorMissing()));
        if (KernelProvider.get().name().equals("native")) {
            out.println("crossover to the vector kernels: " + (vector == null ? "none (no vector kernels)" : Crossover.describe()));
            out.println("fault guard: " + (NativeKernels.faultGuard()
                    ? "on (a mapped file truncated under a native kernel is an error, not a SIGBUS crash)"
                    : "off (PARALELO_FAULT_GUARD=0: a mapped file truncated under a native kernel ends the process)"));
        }
        out.println("java: " + Runtime.version() + " (" + System.getProperty("java.home") + ")");
        int cores = Kernels.cores(), asked = Kernels.defaultThreads();
        out.println("cores: " + cores + ", threads per call: " + Math.min(asked, cores) + " ("
                + Kernels.defaultThreadsSource() + (asked > cores ? ", at most one per core" : "") + ")");
        out.flush();
        return 0;
    }
}
