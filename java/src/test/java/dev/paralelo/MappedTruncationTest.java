package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Vector API kernels survive a truncation by another process, whether they read a mapped
 * file through their staging buffer (the default) or in place (a pool worker's
 * {@code -Dparalelo.vector.mappedReads=direct}): a child JVM ({@link MappedTruncationCheck})
 * truncates a file under each compiled kernel (sums of few blocks and of many, dots, variance,
 * min/max, integer sums and dots) and must see an exception, never a SIGBUS crash or other bits.
 */
class MappedTruncationTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"staged", "direct"})
    void everyVectorKernelTurnsATruncationIntoAnException(String reads) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-XX:ErrorFile=" + dir.resolve("hs_err.log"),
                "-Dparalelo.vector.mappedReads=" + reads,
                "-cp", System.getProperty("java.class.path"), MappedTruncationCheck.class.getName(), dir.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the check ended");
        assertEquals(0, p.exitValue(), out);
        long ok = out.lines().filter(l -> l.startsWith("ok ")).count();
        assertEquals(26, ok, out);
    }
}
