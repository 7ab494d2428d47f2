package dev.paralelo.cli;

import dev.paralelo.Kernels;
import dev.paralelo.kernel.KernelProvider;
import java.io.PrintStream;

/** {@code paralelo info}: what runs here. */
final class InfoCommand {
    private InfoCommand() {}

    static int run(PrintStream out) {
        out.println("paralelo kernels: " + KernelProvider.reason());
        out.println("java: " + Runtime.version() + " (" + System.getProperty("java.home") + ")");
        out.println("cores: " + Runtime.getRuntime().availableProcessors() + ", default threads per call: "
                + Kernels.defaultThreads());
        return 0;
    }
}
