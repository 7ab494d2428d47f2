package dev.paralelo.pool.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.cli.Main;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * tools/netns-test: a pool on one network host and a Java and a Python worker on two others
 * (network namespaces made for the test), CURVE on, bit-identical sum. It needs root and ip
 * (iproute2), and fails saying so when either is missing, never skips.
 */
class NetnsTest {
    @Test
    void aPoolSpansThreeNetworkHostsWithCurve() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        String cli = String.join(" ", List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(root.resolve("tools/netns-test").toString()).redirectErrorStream(true);
        pb.environment().put("PARALELO_CLI", cli);
        pb.environment().put("PARALELO_PYTHON", dev.paralelo.Python.executable("numpy, zmq"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "tools/netns-test ran for 5 minutes: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("1 passed, 0 failed"), out);
    }
}
