package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Vector API kernels give the bits of the scalar and the native kernels at every vector
 * width the JVM offers: a child JVM per width (-XX:MaxVectorSize=16, 32, 64 bytes: 128, 256 and
 * 512 bits) runs {@link VectorCrossCheck} on random sizes, unaligned views, f64, f32, i64 and i32,
 * both modes, thread counts and special values. 3,400 cases per width, 10,200 in all, and 3,400
 * more at 512 bits with TwoSum's additions as plain adds (-Dparalelo.vector.fmaAdds=false, what a
 * CPU without FMA runs; the others run as this machine chooses, through its multiply-add units
 * where it has FMA).
 */
class VectorWidthTest {
    @ParameterizedTest
    @CsvSource({"16, default", "32, default", "64, default", "64, false"})
    void vectorKernelsMatchAtEveryWidth(int maxVectorBytes, String fmaAdds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-XX:MaxVectorSize=" + maxVectorBytes));
        if (!fmaAdds.equals("default")) cmd.add("-Dparalelo.vector.fmaAdds=" + fmaAdds);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), VectorCrossCheck.class.getName(), "3400", Integer.toString(maxVectorBytes)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "the cross-check ended");
        assertEquals(0, p.exitValue(), out);
        assertEquals((maxVectorBytes * 8) + " 3400", out, "species width and cases run");
    }
}
