package dev.paralelo.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whether the Vector API kernels run some of TwoSum's additions as fused multiply-adds by one
 * ({@code -Dparalelo.vector.fmaAdds}; see {@link VectorRangeKernels}). The bits are the same
 * either way; the speed is not: where the JVM does not compile the Vector API's {@code fma} to
 * one instruction it runs {@code Math.fma} in software per lane, and an accurate sum and variance
 * of 2^17 doubles took 880 ms instead of 0.14. So the default is on only when the CPU has FMA (the
 * {@code fma} flag of /proc/cpuinfo, x86-64) and no JVM option turns HotSpot's use of it off
 * ({@code -XX:-UseFMA}, {@code -XX:UseAVX=0}), read from the JVM's command line and the
 * environment variables it takes options from. (HotSpot's own flag, through
 * HotSpotDiagnosticMXBean, costs 60-80 ms at every start for the management classes; options
 * from an argument file or -XX:Flags are not seen here, and such a JVM should say
 * {@code -Dparalelo.vector.fmaAdds=false}.)
 */
final class FmaAdds {
    private FmaAdds() {}

    /** The setting's values; anything else fails every use of the kernels (KernelProvider). */
    static final List<String> VALUES = List.of("true", "false");

    /** Whether this JVM runs the fused additions: the setting, else what the CPU and the JVM's options allow. */
    static boolean detect() {
        return decide(System.getProperty("paralelo.vector.fmaAdds"), cpuHasFma(), jvmOptions());
    }

    /**
     * The decision, from its inputs.
     *
     * @param setting the property's value, or null
     * @param cpuFma whether the CPU has FMA
     * @param options the JVM's options in the order it reads them (a later one wins)
     * @return whether the fused additions run
     */
    static boolean decide(String setting, boolean cpuFma, List<String> options) {
        if ("true".equals(setting) || "false".equals(setting)) return Boolean.parseBoolean(setting);
        boolean useFma = true, avx = true;
        for (String o : options) {
            if (o.equals("-XX:-UseFMA")) useFma = false;
            else if (o.equals("-XX:+UseFMA")) useFma = true;
            else if (o.startsWith("-XX:UseAVX=")) avx = !o.substring("-XX:UseAVX=".length()).equals("0");
        }
        return cpuFma && useFma && avx;
    }

    private static boolean cpuHasFma() {
        if (!System.getProperty("os.arch", "").equals("amd64")) return false;
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Arrays.asList(l.substring(l.indexOf(':') + 1).trim().split("\\s+")).contains("fma"))
                    .orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, the command line, _JAVA_OPTIONS: the order HotSpot applies them in. */
    private static List<String> jvmOptions() {
        List<String> all = new ArrayList<>();
        words(all, System.getenv("JAVA_TOOL_OPTIONS"));
        words(all, System.getenv("JDK_JAVA_OPTIONS"));
        try {
            String cmd = new String(Files.readAllBytes(Path.of("/proc/self/cmdline")), StandardCharsets.UTF_8);
            all.addAll(Arrays.asList(cmd.split("\0")));
        } catch (IOException | RuntimeException e) {
            // no /proc: the options of the environment alone
        }
        words(all, System.getenv("_JAVA_OPTIONS"));
        return all;
    }

    private static void words(List<String> into, String s) {
        if (s != null && !s.isBlank()) into.addAll(Arrays.asList(s.trim().split("\\s+")));
    }
}
