package dev.paralelo.kernel;

import java.lang.System.Logger.Level;

/**
 * Picks the kernel implementation once, at first use, and logs the choice and its reason in
 * one line (System.Logger "dev.paralelo", level INFO).
 *
 * <p>{@code -Dparalelo.provider=java} forces the pure-Java kernels, {@code =native} requires
 * the native ones (failing loudly if the library cannot load); by default native is used when
 * it loads and Java otherwise. {@code -Dparalelo.simd=baseline|avx2|avx512} lowers the native
 * SIMD level (as the environment variable {@code PARALELO_SIMD} does).
 */
public final class KernelProvider {
    private KernelProvider() {}

    private static final class Holder {
        static final KernelBackend BACKEND = pick();
    }

    /** The implementation every default {@code Kernels} uses. */
    public static KernelBackend get() {
        return Holder.BACKEND;
    }

    /** Why this implementation was chosen. */
    public static String reason() {
        get();
        return reason;
    }

    private static String reason;

    private static KernelBackend pick() {
        String want = System.getProperty("paralelo.provider", "auto");
        KernelBackend chosen;
        if (want.equals("java")) {
            chosen = new JavaKernels();
            reason = "pure-Java kernels (-Dparalelo.provider=java)";
        } else {
            try {
                NativeKernels nk = new NativeKernels();
                String simd = System.getProperty("paralelo.simd");
                if (simd != null) NativeKernels.setLevel(levelCode(simd));
                chosen = nk;
                reason = nk.describe();
            } catch (UnsatisfiedLinkError | IllegalArgumentException | IllegalCallerException e) {
                if (want.equals("native")) throw e;
                chosen = new JavaKernels();
                reason = "pure-Java kernels, because the native library is unavailable: " + e.getMessage();
            }
        }
        System.getLogger("dev.paralelo").log(Level.INFO, "paralelo: using " + reason);
        return chosen;
    }

    /** SIMD level code of a name (baseline, avx2, avx512). */
    public static int levelCode(String name) {
        return switch (name) {
            case "baseline" -> 0;
            case "avx2" -> 1;
            case "avx512" -> 2;
            default -> throw new IllegalArgumentException("unknown SIMD level '" + name
                    + "'; use baseline, avx2 or avx512");
        };
    }
}
