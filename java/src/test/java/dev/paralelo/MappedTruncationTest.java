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
 * The kernels survive a truncation by another process: the scalar Java kernels, the Vector API
 * kernels, which read a mapped file through their staging buffer (not in place: the opt-in
 * {@code -Dparalelo.vector.mappedReads=direct} can die of one, see VectorRangeKernels, "Mapped
 * files"), and the native kernels through the library's SIGBUS guard, on one thread and on two. A child JVM ({@link MappedTruncationCheck})
 * truncates a file under each compiled kernel (float sums of few blocks and of many, dots,
 * variance, min/max; integer sums, dots, min/max and variance; i32 slice sums; for native also
 * more slice sums and calls with heap operands) and must see an exception, never a SIGBUS crash
 * or other bits.
 */
class MappedTruncationTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"SCALAR staged", "VECTOR staged", "NATIVE staged"})
    void everyKernelTurnsATruncationIntoAnException(String setting) throws Exception {
        String impl = setting.split(" ")[0], reads = setting.split(" ")[1];
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-XX:ErrorFile=" + dir.resolve("hs_err.log"),
                "-Dparalelo.vector.mappedReads=" + reads, "-Dparalelo.regionCostNs=0",
                "-cp", System.getProperty("java.class.path"), MappedTruncationCheck.class.getName(), dir.toString(), impl);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the check ended");
        assertEquals(0, p.exitValue(), out);
        long ok = out.lines().filter(l -> l.startsWith("ok ")).count();
        assertEquals(impl.equals("NATIVE") ? 48 : 36, ok, out);
        assertTrue(out.lines().anyMatch(l -> l.equals("cases " + ok)), out);
    }
}
