package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher is safe to start several times at once on a fresh clone, as {@code mpirun -np 4
 * ./paralelo info} does: one start builds, the others wait for it and then run, and all of them
 * print only the command's output on stdout. The built tree, moved elsewhere, builds again; and
 * another user, who may not write to it, runs its jars.
 *
 * <p>The working tree is copied as git lists it (tracked files and untracked ones that are not
 * ignored, so uncommitted changes count; no {@code target/}, no {@code .paralelo/}), and the copy
 * builds from scratch: this takes a minute or so.
 */
class LauncherTest {
    private static final int STARTS = 4;

    @TempDir
    Path dir;

    @Test
    void simultaneousStartsOnAFreshCloneBuildOnceAndAllRun() throws Exception {
        Path tree = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path clone = dir.resolve("clone");
        WorkingTree.copy(tree, clone);

        List<Process> starts = new ArrayList<>();
        for (int i = 0; i < STARTS; i++) {
            ProcessBuilder pb = new ProcessBuilder(clone.resolve("paralelo").toString(), "info")
                    .directory(clone.toFile())
                    .redirectOutput(dir.resolve("out" + i).toFile())
                    .redirectError(dir.resolve("err" + i).toFile());
            // No JAVA_HOME: each start looks for a JDK itself and caches its choice, so the
            // cache is written concurrently too. The JDK running this test is >= 22 and comes
            // first on PATH, so the launcher finds one wherever JDKs live on this machine.
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.equals("JAVA_HOME") || k.startsWith("MAVEN_") || k.equals("PARALELO_JAVA_OPTS"));
            env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
            starts.add(pb.start());
        }

        int buildLines = 0;
        for (int i = 0; i < STARTS; i++) {
            Process p = starts.get(i);
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                starts.forEach(Process::destroyForcibly);
                fail("start " + i + " did not finish in 15 minutes");
            }
            String out = Files.readString(dir.resolve("out" + i), StandardCharsets.UTF_8);
            String err = Files.readString(dir.resolve("err" + i), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "start " + i + " exit status; stderr:\n" + err);
            List<String> lines = out.lines().toList();
            assertEquals(6, lines.size(), "start " + i + ": only info's six lines on stdout:\n" + out);
            assertTrue(lines.get(0).startsWith("paralelo kernels: native libparalelo"), out);
            assertTrue(lines.get(1).startsWith("vector kernels: ") && lines.get(2).startsWith("crossover to the vector kernels: "), out);
            assertTrue(lines.get(3).startsWith("fault guard: on "), out);
            assertTrue(lines.get(4).startsWith("java: ") && lines.get(5).startsWith("cores: "), out);
            buildLines += (int) err.lines().filter(l -> l.startsWith("paralelo: building")).count();
        }
        assertEquals(1, buildLines, "exactly one of the " + STARTS + " starts builds");
        try (Stream<Path> logs = Files.list(clone.resolve(".paralelo").resolve("logs"))) {
            assertEquals(1, logs.filter(p -> p.getFileName().toString().startsWith("build-")).count(), "one build log");
        }
        Path jdk = Path.of(Files.readString(clone.resolve(".paralelo").resolve("jdk")).strip());
        assertTrue(Files.isExecutable(jdk.resolve("bin").resolve("java")), "the cached JDK choice names a JDK: " + jdk);

        // The built tree, moved (or copied) elsewhere: CMake refuses a build folder made for
        // another path, so the launcher drops that folder and the build goes on.
        Path moved = dir.resolve("moved");
        Files.move(clone, moved);
        touch(moved.resolve("native/src/cpu.c"));
        Start m = start(moved, List.of());
        assertEquals(0, m.status(), "a moved tree builds again; stderr:\n" + m.err());
        assertTrue(m.err().contains("paralelo: building") && m.out().startsWith("paralelo kernels: native libparalelo"), m.out() + m.err());

        // Another user, who may not write to the tree: its up-to-date jars run; a build it would
        // need is one line, not a shell error.
        if (!"root".equals(System.getProperty("user.name"))) return;
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Start other = start(moved, dev.paralelo.shm.Privileged.asOtherUser());
        assertEquals(0, other.status(), "another user runs the built tree; stderr:\n" + other.err());
        assertTrue(other.out().startsWith("paralelo kernels: ") && !other.err().contains("building"), other.out() + other.err());
        touch(moved.resolve("native/src/cpu.c"));
        Start stale = start(moved, dev.paralelo.shm.Privileged.asOtherUser());
        assertEquals(2, stale.status(), stale.out() + stale.err());
        assertTrue(stale.err().strip().startsWith("paralelo: cannot build in " + moved) && stale.err().strip().lines().count() == 1, stale.err());
    }

    private record Start(int status, String out, String err) {}

    /** ./paralelo info in tree, behind the prefix command (empty, or one that runs it as another user). */
    private Start start(Path tree, List<String> prefix) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(tree.resolve("paralelo").toString(), "info"));
        Path out = Files.createTempFile(dir, "out", ".txt"), err = Files.createTempFile(dir, "err", ".txt");
        Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(err, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tree.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("MAVEN_") || k.equals("PARALELO_JAVA_OPTS"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("./paralelo info in " + tree + " did not finish in 15 minutes");
        }
        return new Start(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static void touch(Path p) throws java.io.IOException {
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
    }
}
