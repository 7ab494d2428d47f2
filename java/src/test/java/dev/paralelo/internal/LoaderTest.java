package dev.paralelo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.KernelProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load order and its failure messages, in child JVMs with and without the bundled library. */
class LoaderTest {
    @TempDir
    Path dir;

    private static String run(String classpath, String... props) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(List.of(props));
        cmd.addAll(List.of("-cp", classpath, "dev.paralelo.cli.Main", "info"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue() + "\n" + out;
    }

    private Path classesWithoutNative() throws IOException {
        Path classes = Path.of(System.getProperty("user.dir"), "target", "classes");
        Path copy = dir.resolve("classes");
        try (Stream<Path> all = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = classes.relativize(p);
                if (rel.startsWith("native")) continue;
                Path to = copy.resolve(rel.toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to);
            }
        }
        return copy;
    }

    /** A child JVM running {@code Peer pss} on a new array: loads the library, says "mapped", then waits. */
    private Process peerHoldingTheLibrary(Path tmp, Path cache) throws Exception {
        Path array = dir.resolve("a.npy");
        if (!Files.exists(array)) dev.paralelo.shm.SharedArray.create(array, dev.paralelo.DType.F64, new long[] {8}, false).close();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmp, "-Dparalelo.cache.dir=" + cache,
                "-cp", System.getProperty("java.class.path"), "dev.paralelo.shm.Peer", "pss", array.toString());
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String firstLine(Process p) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = p.getInputStream().read()) != -1 && c != '\n') sb.append((char) c);
        return sb.toString();
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static List<Path> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(p -> !p.equals(d)).sorted().toList();
        }
    }

    @Test
    void theLibraryIsExtractedOnceToAPrivateContentAddressedCacheAndNothingLeaksOnKill() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp")), cache = dir.resolve("cache");
        for (int start = 0; start < 2; start++) {
            Process p = peerHoldingTheLibrary(tmp, cache);
            assertEquals("mapped", firstLine(p), "the peer loaded the library and summed");
            p.destroyForcibly(); // kill -9 while the library is loaded
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(List.of(), listing(tmp), "nothing left in java.io.tmpdir after kill -9 (start " + start + ")");
        }
        Path root = cache.resolve("paralelo");
        List<Path> dirs = listing(root).stream().filter(Files::isDirectory).toList();
        assertEquals(1, dirs.size(), "one directory for one library, reused: " + listing(root));
        Path lib = dirs.get(0).resolve("libparalelo.so");
        byte[] bytes = Files.readAllBytes(lib);
        assertEquals(sha256(bytes), dirs.get(0).getFileName().toString(),
                "named by its SHA-256");
        assertEquals(List.of(dirs.get(0), lib), listing(root), "no temporary files either");
        for (Path d : List.of(root, dirs.get(0))) {
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(d)), d.toString());
        }
    }

    @Test
    void aTamperedCacheIsReplacedAndAnOpenCacheIsNotUsed() throws Exception {
        Path cache = dir.resolve("cache");
        String first = run(System.getProperty("java.class.path"), "-Dparalelo.cache.dir=" + cache);
        assertTrue(first.startsWith("0\n") && first.contains("cached in"), first);
        Path shaDir;
        try (Stream<Path> s = Files.list(cache.resolve("paralelo"))) {
            shaDir = s.findFirst().orElseThrow();
        }
        Path lib = shaDir.resolve("libparalelo.so");
        Files.write(lib, "not a library".getBytes(StandardCharsets.UTF_8)); // what a bad actor or a bad disk could do
        String again = run(System.getProperty("java.class.path"), "-Dparalelo.cache.dir=" + cache);
        assertTrue(again.startsWith("0\n") && again.contains("native libparalelo") && again.contains("cached in"),
                "the hash check caught it and the library was extracted again: " + again);
        assertEquals(shaDir.getFileName().toString(), sha256(Files.readAllBytes(lib)));

        Files.setPosixFilePermissions(shaDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path tmp = Files.createDirectories(dir.resolve("tmp2"));
        String open = run(System.getProperty("java.class.path"), "-Dparalelo.cache.dir=" + cache, "-Djava.io.tmpdir=" + tmp);
        assertTrue(open.startsWith("0\n") && open.contains("temporary copy") && open.contains("writable by other users"),
                "a cache others may write is not used: " + open);
        assertEquals(List.of(), listing(tmp), "and the temporary copy is gone");
    }

    @Test
    void providerSaysWhatItPicked() {
        assertTrue(KernelProvider.reason().startsWith("native libparalelo"), KernelProvider.reason());
    }

    @Test
    void propertyWinsThenBundledThenFallsBackToJavaWithAReason() throws Exception {
        String cp = System.getProperty("java.class.path");
        Path lib = Path.of(System.getProperty("user.dir"), "target", "native", "libparalelo.so");
        String viaProperty = run(cp, "-Dparalelo.library=" + lib);
        assertTrue(viaProperty.contains("-Dparalelo.library=" + lib), viaProperty);
        String bundled = run(cp);
        assertTrue(bundled.startsWith("0\n") && bundled.contains("from bundled /native/"), bundled);
        // A named library that does not load is an error, in one line: neither the bundled one nor
        // the pure-Java kernels in its place.
        Path notALibrary = Files.writeString(dir.resolve("libfake.so"), "not a library");
        for (String named : List.of("/nonexistent/libparalelo.so", notALibrary.toString())) {
            String r = run(cp, "-Dparalelo.library=" + named);
            assertTrue(r.startsWith("2\n"), r);
            // One line of ours (the JVM itself may warn first about a file that is not a library).
            assertEquals(1, r.lines().filter(l -> l.startsWith("paralelo:")).count(), "one line: " + r);
            assertTrue(r.contains("-Dparalelo.library=" + named + " names no library that loads") && r.contains("leave the property out"), r);
        }

        String bare = classesWithoutNative() + ":" + dev.paralelo.shm.Privileged.picocli();
        String fallback = run(bare);
        assertTrue(fallback.startsWith("0\n") && fallback.contains("pure-Java kernels (scalar), because the native library is unavailable"), fallback);
        assertEquals(1, fallback.split("the native kernels are unavailable", -1).length - 1, "one warning: " + fallback);
        assertTrue(fallback.contains("./paralelo build") && fallback.contains("-Dparalelo.provider=java"), "it names the fix: " + fallback);
        String required = run(bare, "-Dparalelo.provider=native");
        assertNotEquals('0', required.charAt(0), required);
        assertTrue(required.contains("--enable-native-access") && required.contains("-Dparalelo.library"), required);
        assertEquals(0, Integer.parseInt(run(bare, "-Dparalelo.provider=java").split("\n")[0]));
    }
}
