package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.paralelo.internal.ffi.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the hardening tests need from the system: root (to mount a small tmpfs and to act as a
 * second Unix user), a real second user ({@code nobody}, through {@code setpriv}). A test that
 * needs them and does not have them fails, saying so: it never passes by skipping.
 */
public final class Privileged {
    private Privileged() {}

    /** The second user the tests act as. */
    public static final String OTHER_USER = "nobody";

    /** Fails unless this JVM runs as root, naming what needs it. */
    public static void requireRoot(String why) {
        int uid = Libc.geteuid();
        if (uid != 0) {
            throw new AssertionError("this test must run as root (uid 0, here " + uid + ") because it " + why
                    + "; run the test suite as root, e.g. in a container, or a CI job with sudo");
        }
    }

    /** Runs a command to completion; fails on a non-zero exit; returns stdout and stderr together. */
    public static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** The command, run as {@link #OTHER_USER} with no supplementary groups. */
    public static List<String> asOtherUser(String... cmd) {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + OTHER_USER, "--regid=nogroup", "--clear-groups", "--"));
        full.addAll(List.of(cmd));
        return full;
    }

    /** A java command line (this JDK, the library's classes) running the CLI with args. */
    public static List<String> cli(List<String> jvmArgs, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", classes() + ":" + picocli(), "dev.paralelo.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The library's compiled classes (readable by every user, unlike the Maven repository). */
    public static Path classes() {
        return Path.of(System.getProperty("user.dir"), "target", "classes").toAbsolutePath();
    }

    /**
     * picocli's jar (the CLI's one dependency), copied from the Maven repository under
     * target/, where every user can read it.
     */
    public static synchronized Path picocli() {
        Path copy = Path.of(System.getProperty("user.dir"), "target", "cli-lib", "picocli.jar").toAbsolutePath();
        if (Files.exists(copy)) return copy;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (Path.of(entry).getFileName().toString().startsWith("picocli-")) {
                try {
                    Files.createDirectories(copy.getParent());
                    Path tmp = Files.createTempFile(copy.getParent(), "picocli", ".tmp");
                    Files.copy(Path.of(entry), tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                    Files.move(tmp, copy, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    return copy;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        throw new AssertionError("picocli is not on the test class path: " + System.getProperty("java.class.path"));
    }

    /** A mounted tmpfs; close() unmounts it. */
    public record Mount(Path dir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                sh("umount", dir.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while unmounting " + dir, e);
            }
        }
    }

    /** A tmpfs of the given size (e.g. "1m") mounted on dir. */
    public static Mount mountTmpfs(Path dir, String size) throws Exception {
        requireRoot("mounts a small tmpfs to fill it up");
        Files.createDirectories(dir);
        sh("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", dir.toString());
        return new Mount(dir);
    }

    /** Result of a finished process. */
    public record Run(int status, String out, String err) {}

    /** Starts cmd in dir, waits up to seconds (then kills it and fails), returns status, stdout, stderr. */
    public static Run run(Path dir, int seconds, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) pb.directory(dir.toFile());
        Path out = Files.createTempFile("paralelo-out", ".txt"), err = Files.createTempFile("paralelo-err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("did not finish in " + seconds + " s (it blocks): " + String.join(" ", cmd));
            }
            return new Run(p.exitValue(), Files.readString(out).strip(), Files.readString(err).strip());
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
