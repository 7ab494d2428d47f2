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
        String bundled = run(cp, "-Dparalelo.library=/nonexistent/libparalelo.so");
        assertTrue(bundled.contains("from bundled /native/"), bundled);

        String bare = classesWithoutNative().toString();
        String fallback = run(bare);
        assertTrue(fallback.startsWith("0\n") && fallback.contains("pure-Java kernels, because the native library is unavailable"), fallback);
        assertEquals(1, fallback.split("the native kernels are unavailable", -1).length - 1, "one warning: " + fallback);
        assertTrue(fallback.contains("./paralelo build") && fallback.contains("-Dparalelo.provider=java"), "it names the fix: " + fallback);
        String required = run(bare, "-Dparalelo.provider=native");
        assertNotEquals('0', required.charAt(0), required);
        assertTrue(required.contains("--enable-native-access") && required.contains("-Dparalelo.library"), required);
        assertEquals(0, Integer.parseInt(run(bare, "-Dparalelo.provider=java").split("\n")[0]));
    }
}
