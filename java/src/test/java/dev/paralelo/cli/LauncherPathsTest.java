package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.I64Array;
import dev.paralelo.shm.Privileged;
import dev.paralelo.shm.SharedArray;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher runs the CLI in the caller's directory: {@code cd data && ../paralelo stats
 * x.npy} reads data/x.npy, never a shared array of the same name. The launcher runs from a
 * minimal tree (itself, its argument file, a jar of the compiled classes) that needs no build.
 */
class LauncherPathsTest {
    @TempDir
    Path dir;

    private Path launcherTree() throws Exception {
        Path tree = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("java/src/main/launcher"));
        Files.createDirectories(root.resolve("java/target"));
        Files.createDirectories(root.resolve("bench/target"));
        Files.copy(tree.resolve("paralelo"), root.resolve("paralelo"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(tree.resolve("java/src/main/launcher/jvm.args"), root.resolve("java/src/main/launcher/jvm.args"));
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.paralelo.cli.Main");
        m.getMainAttributes().putValue("Enable-Native-Access", "ALL-UNNAMED");
        Path classes = Privileged.classes();
        // The CLI's jar: the classes and picocli's, as the build's -cli jar bundles them.
        try (OutputStream f = Files.newOutputStream(root.resolve("java/target/paralelo-0.1.0-SNAPSHOT-cli.jar"));
                JarOutputStream jar = new JarOutputStream(f, m);
                Stream<Path> all = Files.walk(classes);
                java.util.jar.JarFile picocli = new java.util.jar.JarFile(Privileged.picocli().toFile())) {
            for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                jar.putNextEntry(new JarEntry(classes.relativize(p).toString()));
                Files.copy(p, jar);
                jar.closeEntry();
            }
            for (JarEntry e : java.util.Collections.list(picocli.entries())) {
                if (e.isDirectory() || !e.getName().startsWith("picocli/")) continue;
                jar.putNextEntry(new JarEntry(e.getName()));
                picocli.getInputStream(e).transferTo(jar);
                jar.closeEntry();
            }
        }
        Files.write(root.resolve("bench/target/benchmarks.jar"), new byte[0]); // present: no build is needed
        return root;
    }

    private Privileged.Run launch(Path root, Path cwd, Path shm, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder();
        List<String> cmd = new java.util.ArrayList<>(List.of(root.resolve("paralelo").toString()));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("out"), err = dir.resolve("err");
        pb.command(cmd).directory(cwd.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("PARALELO_JAVA_OPTS", "-D" + SharedArray.DIR_PROPERTY + "=" + shm);
        Process p = pb.start();
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "the launcher finished");
        return new Privileged.Run(p.exitValue(), Files.readString(out).strip(), Files.readString(err).strip());
    }

    @Test
    void relativePathsResolveAgainstTheCallersDirectory() throws Exception {
        Path root = launcherTree();
        Path data = Files.createDirectories(dir.resolve("data")), shm = Files.createDirectories(dir.resolve("shm"));
        SharedArray.create(data.resolve("x.npy"), DType.I64, new long[] {3}, false, a -> ((I64Array) a).set(0, 7)).close();
        Files.createDirectories(data.resolve("sub"));
        SharedArray.create(data.resolve("sub/y.npy"), DType.I64, new long[] {2}, false).close();

        Privileged.Run here = launch(root, data, shm, "stats", "x.npy", "--json");
        assertEquals(0, here.status(), here.err());
        assertTrue(here.out().startsWith("{\"count\": 3, \"sum\": 7,"), "data/x.npy, not a file in the repository: " + here.out());
        Privileged.Run sub = launch(root, data, shm, "stats", "sub/y.npy", "--json");
        assertTrue(sub.status() == 0 && sub.out().startsWith("{\"count\": 2,"), sub.out() + sub.err());

        SharedArray.create(shm.resolve("x.npy"), DType.I64, new long[] {5}, false).close();
        Privileged.Run both = launch(root, data, shm, "stats", "x.npy", "--json");
        assertEquals(2, both.status(), "a name that is both a file here and a shared array is refused: " + both.out());
        assertTrue(both.err().contains("ambiguous") && !both.err().contains("\n"), both.err());
        Privileged.Run explicit = launch(root, data, shm, "stats", "./x.npy", "--json");
        assertTrue(explicit.status() == 0 && explicit.out().startsWith("{\"count\": 3,"), explicit.out() + explicit.err());
    }

    /** A symlink to the launcher (a paralelo on PATH) runs the repository's launcher, and leaves nothing beside the link. */
    @Test
    void aSymlinkToTheLauncherRunsTheRepository() throws Exception {
        Path root = launcherTree();
        Path data = Files.createDirectories(dir.resolve("data")), shm = Files.createDirectories(dir.resolve("shm"));
        SharedArray.create(data.resolve("x.npy"), DType.I64, new long[] {3}, false, a -> ((I64Array) a).set(0, 7)).close();
        Path bin = Files.createDirectories(dir.resolve("my bin"));
        Files.createSymbolicLink(bin.resolve("paralelo"), root.resolve("paralelo"));
        Privileged.Run r = launch(bin, data, shm, "stats", "x.npy", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("{\"count\": 3, \"sum\": 7,"), r.out());
        try (Stream<Path> left = Files.list(bin)) {
            assertEquals(List.of(bin.resolve("paralelo")), left.toList(), "no state folder beside the link");
        }
    }

    /** test, build and bench run in the launcher; their --help is the CLI's, with no build and no Maven. */
    @Test
    void launcherCommandsAnswerHelpFromTheCli() throws Exception {
        Path root = launcherTree();
        Path shm = Files.createDirectories(dir.resolve("shm"));
        for (String command : List.of("test", "build", "bench")) {
            for (String flag : List.of("--help", "-h")) {
                Privileged.Run help = launch(root, dir, shm, command, flag);
                assertEquals(0, help.status(), command + " " + flag + ": " + help.err());
                assertTrue(help.out().startsWith("Usage: paralelo " + command), help.out());
                assertEquals("", help.err(), "nothing on stderr: no build ran");
            }
        }
        assertTrue(launch(root, dir, shm, "bench", "--help").out().contains("--out=DIR"), "bench documents --out");
        Privileged.Run top = launch(root, dir, shm);
        assertEquals(0, top.status());
        for (String command : List.of("bench", "test", "build", "stats", "shm", "info", "demo", "sum", "worker", "help", "completion")) {
            assertTrue(top.out().contains("\n  " + command + " "), "the top-level help lists " + command + ":\n" + top.out());
        }
    }

    /**
     * The launcher runs the CLI with the Vector API module (java/src/main/launcher/jvm.args) and
     * drops the one line the JVM prints about it: --kernels vector works, and stderr stays empty
     * on success while an error still reaches it, as one line.
     */
    @Test
    void theCliRunsWithTheVectorKernelsAndAQuietStderr() throws Exception {
        Path root = launcherTree();
        Path shm = Files.createDirectories(dir.resolve("shm"));
        Path x = dir.resolve("x.npy");
        SharedArray.create(x, DType.F64, new long[] {1000}, false, a -> {
            for (int i = 0; i < 1000; i++) ((F64Array) a).set(i, Math.sin(i) * 1e3);
        }).close();
        Privileged.Run info = launch(root, dir, shm, "info");
        assertEquals(0, info.status(), info.err());
        assertTrue(info.out().contains("vector kernels: pure-Java kernels on the Vector API"), info.out());
        assertEquals("", info.err(), "the JVM's notice about the incubator module is dropped");
        Privileged.Run vector = launch(root, dir, shm, "stats", "x.npy", "--json", "--kernels", "vector");
        Privileged.Run nat = launch(root, dir, shm, "stats", "x.npy", "--json", "--kernels", "native");
        assertEquals(0, vector.status(), vector.err());
        assertEquals("", vector.err());
        assertTrue(vector.out().startsWith("{\"count\": 1000, \"sum\": "), vector.out());
        assertEquals(nat.out(), vector.out(), "the same figures from both implementations");
        Privileged.Run bad = launch(root, dir, shm, "stats", "missing.npy", "--kernels", "vector");
        assertEquals(2, bad.status(), bad.out());
        assertTrue(bad.err().startsWith("paralelo: ") && !bad.err().contains("\n") && !bad.err().contains("incubator"), bad.err());
    }

    /**
     * The launcher's stderr filter (drop_notice in ./paralelo) drops the first incubator notice and
     * then passes bytes on as they are: the benchmark's progress line, which ends in a carriage
     * return and no newline, keeps its bytes (a line filter held it back and added a newline), a
     * later identical line is the program's own and stays, and lines before the notice pass.
     */
    @Test
    void theStderrFilterDropsOnlyTheJvmsNoticeAndKeepsPartialLines() throws Exception {
        String launcher = Files.readString(Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().resolve("paralelo"));
        int from = launcher.indexOf("INCUBATOR_NOTICE="), to = launcher.indexOf("\n}\n", launcher.indexOf("drop_notice() {")) + 3;
        assertTrue(from > 0 && to > from, "the launcher defines INCUBATOR_NOTICE and drop_notice");
        String notice = "WARNING: Using incubator modules: jdk.incubator.vector";
        String in = "Picked up JAVA_TOOL_OPTIONS: -Dx=1\n" + notice + "\n\r[##   ] 40%\r[#### ] 80%\n" + notice + "\nlast\r";
        Process p = new ProcessBuilder("bash", "-c", launcher.substring(from, to) + "drop_notice").start();
        try (OutputStream o = p.getOutputStream()) {
            o.write(in.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals("Picked up JAVA_TOOL_OPTIONS: -Dx=1\n\r[##   ] 40%\r[#### ] 80%\n" + notice + "\nlast\r", out);
    }
}
