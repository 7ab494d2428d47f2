package dev.paralelo.shm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starting real peer processes: another JVM running {@link Peer}, or the C peer program. */
final class Peers {
    private Peers() {}

    static Process jvm(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Peer.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    static Path cPeer() {
        Path p = Path.of(System.getProperty("user.dir"), "target", "native", "paralelo_shm_peer");
        if (!p.toFile().canExecute()) throw new AssertionError("the C peer was not built: " + p + " (mvn builds it with CMake)");
        return p;
    }

    static Process c(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(cPeer().toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Waits for the process and returns its stdout; fails on a non-zero exit. */
    static String finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("peer did not finish: " + p.info());
        }
        if (p.exitValue() != 0) throw new AssertionError("peer exited " + p.exitValue() + ": " + out);
        return out;
    }

    static String readLine(Process p) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = p.getInputStream().read()) != -1 && c != '\n') sb.append((char) c);
        return sb.toString();
    }

    static void tell(Process p) throws IOException {
        p.getOutputStream().write('\n');
        p.getOutputStream().flush();
    }
}
