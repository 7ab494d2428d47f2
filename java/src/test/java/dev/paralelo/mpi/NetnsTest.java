package dev.paralelo.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.shm.SharedArray;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More than one host: tools/mpi-netns runs 4 ranks on two hosts that are network namespaces of
 * this machine (veth, TCP only, Open MPI's remote launcher entering a namespace instead of ssh),
 * and checks the ranks' host names and namespaces, the traffic on the link, and the bits. The
 * script needs root and ip; without them it fails, and so does this test, with its message.
 */
class NetnsTest {
    @TempDir
    Path dir;

    @Test
    void statsOnFourRanksOverTwoNetworkNamespacesHaveTheBitsOfOneProcess() throws Exception {
        Path file = dir.resolve("x.npy");
        SharedArray.create(file, DType.F64, new long[] {7 * 4096 + 11}, false, a -> {
            for (long i = 0; i < a.length(); i++) ((F64Array) a).set(i, Math.scalb(Math.sin(i), (int) (i % 61) - 30));
        }).close();
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        List<String> cmd = new ArrayList<>(List.of(root.resolve("tools/mpi-netns").toString(), "--ranks", "4", file.toString(), "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.paralelo.cli.Main"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("mpi-netns: ok: the same bits on 4 ranks over two network namespaces"), out);
    }
}
