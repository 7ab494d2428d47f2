package dev.paralelo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A misspelt setting is an error that names the valid values, in a child JVM running the CLI:
 * exit status 2, one line on stderr, never a silent fallback. A good start prints nothing on
 * stderr; -Dparalelo.log=debug says what runs.
 */
class ConfigTest {
    private record Result(int status, String out, String err) {}

    private static Result info(Map<String, String> env, String... props) throws Exception {
        return child("dev.paralelo.cli.Main", List.of("info"), env, props);
    }

    private static Result child(String main, List<String> args, Map<String, String> env, String... props) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(List.of(props));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("PARALELO_SIMD");
        pb.environment().remove("PARALELO_THREADS");
        pb.environment().remove("OMP_NUM_THREADS");
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM ended");
        return new Result(p.exitValue(), out, new String(err.get(), StandardCharsets.UTF_8));
    }

    private static void refused(Result r, String... fragments) {
        assertEquals(2, r.status, "exit status, stderr: " + r.err);
        assertEquals(1, r.err.strip().lines().count(), "one line: " + r.err);
        for (String f : fragments) assertTrue(r.err.contains(f), "'" + r.err + "' should mention " + f);
    }

    @Test
    void misspeltProviderIsAnError() throws Exception {
        refused(info(Map.of(), "-Dparalelo.provider=jav"), "paralelo.provider=jav", "auto, native, vector, scalar, java");
    }

    @Test
    void misspeltSimdLevelIsAnError() throws Exception {
        refused(info(Map.of(), "-Dparalelo.simd=avx-512"), "paralelo.simd=avx-512", "baseline, avx2, avx512");
    }

    @Test
    void misspeltFmaAddsIsAnError() throws Exception {
        refused(info(Map.of(), "-Dparalelo.vector.fmaAdds=yes"), "paralelo.vector.fmaAdds=yes", "true, false");
    }

    @Test
    void misspeltMappedReadsAndBoundsChecksAreErrors() throws Exception {
        refused(info(Map.of(), "-Dparalelo.vector.mappedReads=Direct"), "paralelo.vector.mappedReads=Direct", "staged, direct");
        refused(info(Map.of(), "-Dparalelo.boundsChecks=off"), "paralelo.boundsChecks=off", "true, false");
    }

    @Test
    void theVectorKernelsSayWhereTwoSumRuns() throws Exception {
        String vector = "--add-modules=jdk.incubator.vector";
        String adds = "TwoSum on the add units", fused = "TwoSum partly on the FMA units";
        assertVectorLine(info(Map.of(), vector, "-XX:-UseFMA"), adds); // a software fma per lane would be 1000x slower
        assertVectorLine(info(Map.of("JAVA_TOOL_OPTIONS", "-XX:UseAVX=0"), vector), adds);
        assertVectorLine(info(Map.of(), vector, "-Dparalelo.vector.fmaAdds=false"), adds);
        assertVectorLine(info(Map.of(), vector, "-Dparalelo.vector.fmaAdds=true"), fused);
    }

    private static void assertVectorLine(Result r, String expected) {
        assertEquals(0, r.status, "exit status, stderr: " + r.err);
        String line = r.out.lines().filter(l -> l.startsWith("vector kernels:")).findFirst().orElse("(no vector kernels line)");
        assertTrue(line.contains(expected), line + " should say " + expected);
    }

    @Test
    void misspeltLogLevelIsAnError() throws Exception {
        refused(info(Map.of(), "-Dparalelo.log=verbose"), "paralelo.log=verbose", "warn, debug");
    }

    @Test
    void aBadRegionCostIsAnError() throws Exception {
        refused(info(Map.of(), "-Dparalelo.regionCostNs=fast"), "paralelo.regionCostNs=fast", "nanoseconds >= 0");
        refused(info(Map.of(), "-Dparalelo.regionCostNs=-5"), "paralelo.regionCostNs=-5");
        Result pinned = info(Map.of(), "-Dparalelo.regionCostNs=0");
        assertEquals(0, pinned.status, pinned.err);
    }

    @Test
    void aBadCrossoverIsAnError() throws Exception {
        String vector = "--add-modules=jdk.incubator.vector";
        refused(info(Map.of(), "-Dparalelo.crossover.sum-fast.f64=abc"), "-Dparalelo.crossover.sum-fast.f64=abc",
                "element count >= 0");
        refused(info(Map.of(), "-Dparalelo.crossover.sum-fast.f64=-5"), "-Dparalelo.crossover.sum-fast.f64=-5");
        refused(info(Map.of(), "-Dparalelo.crossover.summ.f64=10"), "-Dparalelo.crossover.summ.f64 names no kernel",
                "sum, mean, min", "f64, f32, i64, i32");
        refused(child("dev.paralelo.internal.UsingMain", List.of("NATIVE"), Map.of(), "-Dparalelo.crossover.sum.f64=x"),
                "-Dparalelo.crossover.sum.f64=x");
        refused(info(Map.of(), "-Dparalelo.crossover.dot.f16=10"), "-Dparalelo.crossover.dot.f16 names no kernel");
        Result set = info(Map.of(), vector, "-Dparalelo.crossover.sum.i32=99");
        assertEquals(0, set.status, set.err);
        assertTrue(set.out.contains("sum.i32 < 99"), set.out);
    }

    @Test
    void misspeltSimdEnvironmentVariableIsAnError() throws Exception {
        refused(info(Map.of("PARALELO_SIMD", "avx-512")), "PARALELO_SIMD='avx-512'", "baseline, avx2, avx512");
    }

    @Test
    void aGoodStartIsQuietAndDebugSaysWhatRuns() throws Exception {
        Result quiet = info(Map.of());
        assertEquals(0, quiet.status, quiet.err);
        assertEquals("", quiet.err, "nothing on stderr");
        assertTrue(quiet.out.contains("native libparalelo"), quiet.out);
        Result debug = info(Map.of(), "-Dparalelo.log=debug");
        assertEquals(0, debug.status, debug.err);
        assertTrue(debug.err.contains("paralelo: debug: using native libparalelo"), debug.err);
        Result lowered = info(Map.of("PARALELO_SIMD", "baseline"));
        assertTrue(lowered.out.contains("(baseline of CPU's"), lowered.out);
    }

    @Test
    void anExplicitImplementationHonoursAndChecksTheSettingsToo() throws Exception {
        Result lowered = child("dev.paralelo.internal.UsingMain", List.of("NATIVE"), Map.of(), "-Dparalelo.simd=baseline");
        assertEquals(0, lowered.status, lowered.err);
        assertEquals("6.0 baseline", lowered.out.strip(), "the level applies to Kernels.using(NATIVE) as well");
        refused(child("dev.paralelo.internal.UsingMain", List.of("JAVA"), Map.of(), "-Dparalelo.simd=AVX2"), "paralelo.simd=AVX2");
        refused(child("dev.paralelo.internal.UsingMain", List.of("NATIVE"), Map.of(), "-Dparalelo.provider=nativ"), "auto, native, vector, scalar, java");
    }

    private static String threadsLine(Result r) {
        assertEquals(0, r.status, r.err);
        return r.out.lines().filter(l -> l.startsWith("cores: ")).findFirst().orElseThrow();
    }

    @Test
    void infoReportsTheThreadsACallUses() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals("cores: " + cores + ", threads per call: " + cores + " (one per core)", threadsLine(info(Map.of())));
        assertEquals("cores: " + cores + ", threads per call: 1 (OMP_NUM_THREADS=1)", threadsLine(info(Map.of("OMP_NUM_THREADS", "1,4"))));
        assertEquals("cores: " + cores + ", threads per call: 1 (PARALELO_THREADS=1)",
                threadsLine(info(Map.of("OMP_NUM_THREADS", "2", "PARALELO_THREADS", "1"))), "Paralelo's own setting wins");
        assertEquals("cores: " + cores + ", threads per call: 1 (-Dparalelo.threads=1)",
                threadsLine(info(Map.of("PARALELO_THREADS", "2"), "-Dparalelo.threads=1")), "the property wins");
        assertEquals("cores: " + cores + ", threads per call: " + cores + " (-Dparalelo.threads=0, one per core)",
                threadsLine(info(Map.of("OMP_NUM_THREADS", "1"), "-Dparalelo.threads=0")), "0 is the default");
        assertEquals("cores: " + cores + ", threads per call: " + cores + " (PARALELO_THREADS=" + (4 * cores) + ", at most one per core)",
                threadsLine(info(Map.of("PARALELO_THREADS", Integer.toString(4 * cores)))));
    }

    @Test
    void aBadThreadSettingIsAnError() throws Exception {
        refused(info(Map.of(), "-Dparalelo.threads=many"), "-Dparalelo.threads='many'", "0 (one per core) or a positive integer");
        refused(info(Map.of("PARALELO_THREADS", "-2")), "PARALELO_THREADS='-2'");
        // libgomp reads the variable too, and says so first on stderr; the status and our line follow.
        Result omp = info(Map.of("OMP_NUM_THREADS", "0"));
        assertEquals(2, omp.status, omp.err);
        assertTrue(omp.err.strip().endsWith("paralelo: OMP_NUM_THREADS='0' is not a thread count; use a positive integer"), omp.err);
    }

    /** A command that reads a file blames the setting, not the file nor an option the user never gave. */
    @Test
    void aBadSettingIsNotBlamedOnTheFile() throws Exception {
        java.nio.file.Path d = java.nio.file.Files.createTempDirectory("config"), f = d.resolve("x.npy");
        try {
            dev.paralelo.shm.Npy.save(f, dev.paralelo.F64Array.wrap(new double[] {1, 2, 3}));
            Result threads = child("dev.paralelo.cli.Main", List.of("stats", f.toString()), Map.of("PARALELO_THREADS", "abc"));
            refused(threads, "paralelo: PARALELO_THREADS='abc' is not a thread count");
            assertTrue(!threads.err.contains(f.toString()), threads.err);
            Result simd = child("dev.paralelo.cli.Main", List.of("stats", f.toString()), Map.of("PARALELO_SIMD", "foo"));
            refused(simd, "paralelo: PARALELO_SIMD='foo'");
            assertTrue(!simd.err.contains("--kernels") && !simd.err.contains(f.toString()), simd.err);
        } finally {
            java.nio.file.Files.deleteIfExists(f);
            java.nio.file.Files.delete(d);
        }
    }
}
