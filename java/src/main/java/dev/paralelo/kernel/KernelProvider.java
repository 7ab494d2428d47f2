package dev.paralelo.kernel;

import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Picks the kernel implementation once, at first use, and remembers why.
 *
 * <p>Settings (system properties), each checked at the first use of any implementation: a
 * value that is not one of those listed is a {@link ConfigurationException} that names the
 * valid ones, thrown by every use of the kernels, never a silent fallback.
 * <ul>
 *   <li>{@code paralelo.provider}: {@code auto} (the default: native when the library loads,
 *       otherwise the Vector API kernels when {@code jdk.incubator.vector} is on the module path,
 *       otherwise scalar Java, with one warning that names the fix), {@code native} (the library
 *       must load), {@code vector} (the module must be there), {@code scalar}, or {@code java}
 *       (vector when it can be, else scalar);</li>
 *   <li>{@code paralelo.simd}: {@code baseline}, {@code avx2} or {@code avx512}, a SIMD level no
 *       higher than the CPU's (as the environment variable {@code PARALELO_SIMD});</li>
 *   <li>{@code paralelo.vector.fmaAdds}: {@code true} or {@code false}, whether the Vector API
 *       kernels run TwoSum's off-chain additions as fused multiply-adds by one (the same bits;
 *       the default: the CPU has FMA and no JVM option turns HotSpot's use of it off);</li>
 *   <li>{@code paralelo.vector.mappedReads}: {@code staged} (the default: the Vector API kernels
 *       read a mapped file's blocks through a copy) or {@code direct} (in place; see
 *       VectorRangeKernels for the risk);</li>
 *   <li>{@code paralelo.boundsChecks}: {@code true} (the default) or {@code false}, whether the
 *       arrays' element accessors check indices themselves as well as the segment;</li>
 *   <li>{@code paralelo.log}: {@code warn} (the default: a successful start logs nothing) or
 *       {@code debug} (the choice and its reason are printed on stderr at start-up).</li>
 * </ul>
 * Logging goes through {@link System.Logger} {@code dev.paralelo}: the choice at DEBUG, a
 * missing native library at WARNING.
 */
public final class KernelProvider {
    private KernelProvider() {}

    /** Valid values of {@code paralelo.provider}: {@code java} is the best pure-Java one available. */
    public static final List<String> PROVIDERS = List.of("auto", "native", "vector", "scalar", "java");
    /** Valid values of {@code paralelo.log}. */
    public static final List<String> LOG_LEVELS = List.of("warn", "debug");

    private static final System.Logger LOG = System.getLogger("dev.paralelo");

    /** The settings, checked; or why they are not valid. */
    private record Settings(String provider, boolean debug, String simd, RuntimeException failure) {
        Settings valid() {
            if (failure != null) throw new ConfigurationException(failure.getMessage(), failure);
            return this;
        }
    }

    private static final class Checked {
        static final Settings SETTINGS = read();

        private static Settings read() {
            try {
                setting("paralelo.vector.fmaAdds", FmaAdds.VALUES, null); // checked here, read by VectorRangeKernels
                setting("paralelo.vector.mappedReads", List.of("staged", "direct"), null); // the same
                setting("paralelo.boundsChecks", List.of("true", "false"), null); // checked here, read by NumArray
                Crossover.validate(); // -Dparalelo.crossover.*: checked here, read by NativeKernels
                return new Settings(setting("paralelo.provider", PROVIDERS, "auto"),
                        setting("paralelo.log", LOG_LEVELS, "warn").equals("debug"),
                        setting("paralelo.simd", NativeKernels.LEVEL_NAMES, null), null);
            } catch (IllegalArgumentException e) {
                return new Settings(null, false, null, e);
            }
        }
    }

    /** The scalar pure-Java kernels, one instance. */
    private static final class Scalar {
        static final JavaKernels KERNELS = new JavaKernels();
    }

    /**
     * The Vector API kernels, or null with the reason: the incubator module must be in the boot
     * layer (--add-modules jdk.incubator.vector), and only then is the class that uses it loaded.
     */
    private static final class Vector {
        static final String MISSING;
        static final JavaKernels KERNELS;

        static {
            JavaKernels k = null;
            String missing = null;
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                missing = "the jdk.incubator.vector module is not on the module path (run the JVM with "
                        + "--add-modules jdk.incubator.vector)";
            } else {
                try {
                    k = new JavaKernels((RangeKernelSet) Class.forName("dev.paralelo.kernel.VectorRangeKernels")
                            .getDeclaredMethod("preferred").invoke(null));
                } catch (ReflectiveOperationException | LinkageError e) {
                    missing = "the Vector API kernels could not start: " + e;
                }
            }
            KERNELS = k;
            MISSING = missing;
        }
    }

    /** The Vector API kernels, or null when the module is missing (see {@link #vectorMissing}). */
    public static KernelBackend vector() {
        return Vector.KERNELS;
    }

    /** The range kernels of {@link #vector()}, or null when the module is missing. */
    static RangeKernelSet vectorSet() {
        return Vector.KERNELS == null ? null : Vector.KERNELS.set();
    }

    /** Why the Vector API kernels are not available, or null when they are. */
    public static String vectorMissing() {
        return Vector.MISSING;
    }

    /** The best pure-Java kernels here: on the Vector API when possible, else scalar. */
    private static JavaKernels bestJava() {
        return Vector.KERNELS != null ? Vector.KERNELS : Scalar.KERNELS;
    }

    /** The native kernels at the configured SIMD level, or why they cannot be had. */
    private static final class Native {
        static final Throwable FAILURE;
        static final NativeKernels KERNELS;

        static {
            NativeKernels k = null;
            Throwable failure = null;
            try {
                k = new NativeKernels();
                String simd = Checked.SETTINGS.simd();
                if (simd != null) NativeKernels.setLevel(Math.min(NativeKernels.levelCode(simd), NativeKernels.cpuLevel()));
            } catch (UnsatisfiedLinkError | IllegalCallerException | IllegalStateException e) {
                k = null;
                failure = e;
            }
            KERNELS = k;
            FAILURE = failure;
        }
    }

    private record Choice(KernelBackend backend, String reason, RuntimeException failure) {}

    private static volatile Choice choice;

    /** The implementation every default {@code Kernels} uses. */
    public static KernelBackend get() {
        return chosen().backend;
    }

    /** Why this implementation was chosen. */
    public static String reason() {
        return chosen().reason;
    }

    /**
     * The implementation called {@code name} ("NATIVE" or "JAVA"), whatever the default is, with
     * the settings applied.
     *
     * @throws ConfigurationException if a setting is misspelt, or the native implementation is
     *     asked for and cannot be had
     */
    public static KernelBackend of(String name) {
        Checked.SETTINGS.valid();
        switch (name) {
            case "JAVA" -> {
                return bestJava();
            }
            case "SCALAR" -> {
                return Scalar.KERNELS;
            }
            case "VECTOR" -> {
                if (Vector.KERNELS == null) throw new ConfigurationException("the Vector API kernels are unavailable: " + Vector.MISSING, null);
                return Vector.KERNELS;
            }
            case "NATIVE" -> { }
            default -> throw new IllegalArgumentException("no implementation " + name);
        }
        if (Native.KERNELS == null) {
            throw new ConfigurationException("the native kernels are unavailable: " + Native.FAILURE.getMessage(), Native.FAILURE);
        }
        return Native.KERNELS;
    }

    private static Choice chosen() {
        Choice c = choice;
        if (c == null) {
            synchronized (KernelProvider.class) {
                c = choice;
                if (c == null) {
                    c = pick();
                    choice = c;
                }
            }
        }
        if (c.failure != null) {
            // A fresh exception per call, with the first as its cause, so each caller's trace is its own.
            throw new ConfigurationException(c.failure.getMessage(), c.failure);
        }
        return c;
    }

    /** The value of a setting, checked against its valid values. */
    static String setting(String key, List<String> valid, String fallback) {
        String v = System.getProperty(key);
        if (v == null) return fallback;
        if (!valid.contains(v)) {
            throw new IllegalArgumentException("-D" + key + "=" + v + " is not a valid setting; use one of "
                    + String.join(", ", valid));
        }
        return v;
    }

    private static Choice pick() {
        Settings s = Checked.SETTINGS;
        if (s.failure() != null) return new Choice(null, null, s.failure());
        KernelBackend chosen;
        String reason;
        if (s.provider().equals("scalar")) {
            chosen = Scalar.KERNELS;
            reason = "scalar pure-Java kernels (-Dparalelo.provider=scalar)";
        } else if (s.provider().equals("vector")) {
            if (Vector.KERNELS == null) return new Choice(null, null, new IllegalStateException("-Dparalelo.provider=vector, but "
                    + Vector.MISSING));
            chosen = Vector.KERNELS;
            reason = Vector.KERNELS.describe() + " (-Dparalelo.provider=vector)";
        } else if (s.provider().equals("java")) {
            chosen = bestJava();
            reason = chosen.describe() + " (-Dparalelo.provider=java: the best pure-Java kernels"
                    + (Vector.KERNELS == null ? "; vector unavailable: " + Vector.MISSING : "") + ")";
        } else if (Native.KERNELS != null) {
            chosen = Native.KERNELS;
            reason = Native.KERNELS.describe();
        } else if (Native.FAILURE instanceof IllegalStateException e) {
            return new Choice(null, null, e); // PARALELO_SIMD names no level: never a silent fallback
        } else if (s.provider().equals("native")) {
            return new Choice(null, null, new IllegalStateException("-Dparalelo.provider=native, but "
                    + Native.FAILURE.getMessage(), Native.FAILURE));
        } else {
            chosen = bestJava();
            reason = chosen.describe() + ", because the native library is unavailable"
                    + (Vector.KERNELS == null ? " and " + Vector.MISSING : "");
            LOG.log(Level.WARNING, "paralelo: the native kernels are unavailable, running the pure-Java ones (same results, "
                    + "slower): " + Native.FAILURE.getMessage() + (Vector.KERNELS == null ? "; for the faster Java kernels, "
                    + Vector.MISSING : ""));
        }
        LOG.log(Level.DEBUG, "paralelo: using " + reason);
        if (s.debug()) System.err.println("paralelo: debug: using " + reason);
        return new Choice(chosen, reason, null);
    }
}
