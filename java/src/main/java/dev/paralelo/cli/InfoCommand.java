package dev.paralelo.cli;

import dev.paralelo.Kernels;
import dev.paralelo.kernel.Crossover;
import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.KernelProvider;
import java.io.PrintStream;

/** {@code paralelo info}: what runs here, and why. */
final class InfoCommand {
    private InfoCommand() {}

    static int run(PrintStream out) {
        out.println("paralelo kernels: " + KernelProvider.reason());
        KernelBackend vector = KernelProvider.vector();
        out.println("vector kernels: " + (vector != null ? vector.describe() : "unavailable, " + KernelProvider.vectorMissing()));
        if (KernelProvider.get().name().equals("native")) {
            out.println("crossover to the vector kernels: " + (vector == null ? "none (no vector kernels)" : Crossover.describe()));
        }
        out.println("java: " + Runtime.version() + " (" + System.getProperty("java.home") + ")");
        out.println("cores: " + Runtime.getRuntime().availableProcessors() + ", default threads per call: "
                + Kernels.defaultThreads());
        return 0;
    }
}
