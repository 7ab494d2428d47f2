package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Float sums and means, float dots of up to 32 blocks on the scalar Java kernels, float
 * variances of up to 32 blocks, and mins and maxes, on the native and scalar kernels allocate
 * nothing per call
 * ({@link AllocationCheck}), each kind measured in a JVM of its own: in the test suite's JVM, after thousands of calls on segments of every kind, C2
 * recompiled the f32 accurate lanes about 100 times (a profiled loop predicate that kept
 * failing) and then left them to C1 code, whose vectors are objects (0.5 MB per call). That
 * is a JIT pathology of its own, noted on the issue; this test is about the library's garbage.
 */
class AllocationTest {
    @TempDir
    Path dir;

    @Test
    void floatSumsAndMeansAllocateNothingPerCall() throws Exception {
        check("sums");
    }

    @Test
    void floatDotsOnTheScalarKernelsAllocateNothingPerCall() throws Exception {
        check("dots");
    }

    @Test
    void floatVariancesAllocateNothingPerCall() throws Exception {
        check("variances");
    }

    @Test
    void minAndMaxOnTheNativeAndScalarKernelsAllocateNothingPerCall() throws Exception {
        check("extrema");
    }

    /** Runs AllocationCheck with what (its argument) in a JVM of its own. */
    private void check(String what) throws Exception {
        Path log = dir.resolve(what + ".log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), AllocationCheck.class.getName(), what);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(300, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly().waitFor();
        String out = Files.readString(log).strip();
        assertTrue(ended, "the check ended within 300 s: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.endsWith("ok"), out);
    }
}
