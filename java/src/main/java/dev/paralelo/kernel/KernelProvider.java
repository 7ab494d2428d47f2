package dev.paralelo.kernel;

import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Picks the kernel implementation once, at first use, and remembers why.
 *
 * <p>Settings (system properties), each checked: a value that is not one of those listed is a
 * {@link ConfigurationException} that names the valid ones, thrown by every use of the
 * kernels, never a silent fallback.
 * <ul>
 *   <li>{@code paralelo.provider}: {@code auto} (the default: native when the library loads,
 *       pure Java otherwise, with one warning that names the fix), {@code native} (the library
 *       must load) or {@code java};</li>
 *   <li>{@code paralelo.simd}: {@code baseline}, {@code avx2} or {@code avx512}, a SIMD level no
 *       higher than the CPU's (as the environment variable {@code PARALELO_SIMD});</li>
 *   <li>{@code paralelo.log}: {@code warn} (the default: a successful start logs nothing) or
 *       {@code debug} (the choice and its reason are printed on stderr at start-up).</li>
 * </ul>
 * Logging goes through {@link System.Logger} {@code dev.paralelo}: the choice at DEBUG, a
 * missing native library at WARNING.
 */
public final class KernelProvider {
    private KernelProvider() {}

    /** Valid values of {@code paralelo.provider}. */
    public static final List<String> PROVIDERS = List.of("auto", "native", "java");
    /** Valid values of {@code paralelo.log}. */
    public static final List<String> LOG_LEVELS = List.of("warn", "debug");

    private static final System.Logger LOG = System.getLogger("dev.paralelo");

    private record Choice(KernelBackend backend, String reason, RuntimeException failure) {}

    private static volatile Choice choice;

    /** The implementation every default {@code Kernels} uses. */
    public static KernelBackend get() {
        return chosen().backend;
    }

    private static final class Java {
        static final JavaKernels KERNELS = new JavaKernels();
    }

    private static final class Native {
        static final KernelBackend KERNELS = load();

        private static KernelBackend load() {
            try {
                return new NativeKernels();
            } catch (UnsatisfiedLinkError | IllegalCallerException | IllegalStateException e) {
                return null;
            }
        }
    }

    /**
     * The implementation called {@code name} ("NATIVE" or "JAVA"), whatever the default is.
     *
     * @throws ConfigurationException if the native one is asked for and cannot be had
     */
    public static KernelBackend of(String name) {
        if (name.equals("JAVA")) return Java.KERNELS;
        if (!name.equals("NATIVE")) throw new IllegalArgumentException("no implementation " + name);
        KernelBackend k = Native.KERNELS;
        if (k == null) {
            try {
                new NativeKernels(); // the reason, once more, as this caller's exception
            } catch (UnsatisfiedLinkError | IllegalCallerException | IllegalStateException e) {
                throw new ConfigurationException("the native kernels are unavailable: " + e.getMessage(), e);
            }
        }
        return k;
    }

    /** Why this implementation was chosen. */
    public static String reason() {
        return chosen().reason;
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
        String want;
        boolean debug;
        String simd;
        try {
            want = setting("paralelo.provider", PROVIDERS, "auto");
            debug = setting("paralelo.log", LOG_LEVELS, "warn").equals("debug");
            simd = setting("paralelo.simd", NativeKernels.LEVEL_NAMES, null);
        } catch (IllegalArgumentException e) {
            return new Choice(null, null, e);
        }
        KernelBackend chosen;
        String reason;
        if (want.equals("java")) {
            chosen = new JavaKernels();
            reason = "pure-Java kernels (-Dparalelo.provider=java)";
        } else {
            try {
                NativeKernels nk = new NativeKernels();
                if (simd != null) NativeKernels.setLevel(Math.min(NativeKernels.levelCode(simd), NativeKernels.cpuLevel()));
                chosen = nk;
                reason = nk.describe();
            } catch (IllegalStateException e) {
                return new Choice(null, null, e); // PARALELO_SIMD names no level: never a silent fallback
            } catch (UnsatisfiedLinkError | IllegalCallerException e) {
                if (want.equals("native")) {
                    return new Choice(null, null, new IllegalStateException("-Dparalelo.provider=native, but " + e.getMessage(), e));
                }
                chosen = new JavaKernels();
                reason = "pure-Java kernels, because the native library is unavailable";
                LOG.log(Level.WARNING, "paralelo: the native kernels are unavailable, running the pure-Java ones (same results, "
                        + "slower): " + e.getMessage());
            }
        }
        LOG.log(Level.DEBUG, "paralelo: using " + reason);
        if (debug) System.err.println("paralelo: debug: using " + reason);
        return new Choice(chosen, reason, null);
    }
}
