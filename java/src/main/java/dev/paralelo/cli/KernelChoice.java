package dev.paralelo.cli;

import dev.paralelo.Implementation;
import dev.paralelo.Kernels;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.kernel.ConfigurationException;

/** The {@code --kernels K} option of the commands that read arrays: auto, native, vector, scalar or java. */
final class KernelChoice {
    private KernelChoice() {}

    static final String VALUES = "auto, native, vector, scalar or java";

    /** The implementation K names; null for auto (the provider's choice). */
    static Implementation parse(String k) throws UsageException {
        return switch (k) {
            case "auto" -> null;
            case "native" -> Implementation.NATIVE;
            case "vector" -> Implementation.VECTOR;
            case "scalar" -> Implementation.SCALAR;
            case "java" -> Implementation.JAVA;
            default -> throw new UsageException("--kernels takes " + VALUES + ", got '" + k + "'");
        };
    }

    /** Kernels of the implementation K names. */
    static Kernels kernels(String k) throws UsageException {
        Implementation i = parse(k);
        // The thread settings (PARALELO_THREADS, ...), checked up front: a bad one is an error of
        // its own even where a small array would not have needed them.
        Kernels.defaultThreads();
        try {
            return i == null ? Kernels.defaults() : Kernels.using(i);
        } catch (ConfigurationException e) {
            if (i == null) throw e; // a setting's error, not --kernels' (which was left at auto)
            throw new UsageException("--kernels " + k + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new UsageException("--kernels " + k + ": " + e.getMessage());
        }
    }
}
