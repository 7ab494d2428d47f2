package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.shm.SharedArray;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java examples compile exactly as written, each as its own source file (nothing
 * is added: a missing import fails), and each runs twice, so that an example that creates a
 * shared file can be run again. Their output is checked where the README states it.
 */
class ReadmeExamplesTest {
    @TempDir
    Path dir;

    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("^public (?:final )?class (\\w+)", Pattern.MULTILINE);

    /** The README's Java blocks, by class name, verbatim. */
    static Map<String, String> examples() throws java.io.IOException {
        String readme = Files.readString(Path.of(System.getProperty("user.dir")).resolveSibling("README.md"));
        Matcher m = BLOCK.matcher(readme);
        Map<String, String> blocks = new LinkedHashMap<>();
        while (m.find()) {
            Matcher c = CLASS.matcher(m.group(1));
            assertTrue(c.find(), "every Java block in the README is a whole program with a public class:\n" + m.group(1));
            assertEquals(null, blocks.put(c.group(1), m.group(1)), "two README examples named " + c.group(1));
        }
        return blocks;
    }

    @Test
    void readmeExamplesCompileAsWrittenAndRunTwice() throws Exception {
        Map<String, String> blocks = examples();
        assertTrue(blocks.keySet().containsAll(List.of("QuickStart", "Partials", "FromNumpy", "SharedPrices", "PoolSum")),
                blocks.keySet().toString());
        List<String> args = new ArrayList<>(List.of("-d", dir.toString(), "-cp", System.getProperty("java.class.path"),
                "-Xlint:all", "-Werror"));
        for (Map.Entry<String, String> e : blocks.entrySet()) {
            Path file = dir.resolve(e.getKey() + ".java");
            Files.writeString(file, e.getValue());
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK compiler");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = javac.run(null, null, err, args.toArray(String[]::new));
        assertEquals(0, status, "README examples must compile as written:\n" + err.toString(StandardCharsets.UTF_8));

        Map<String, String> outputs = new LinkedHashMap<>();
        String oldDir = System.getProperty(SharedArray.DIR_PROPERTY), oldTmp = System.getProperty("java.io.tmpdir");
        PrintStream oldOut = System.out;
        System.setProperty(SharedArray.DIR_PROPERTY, dir.toString());
        System.setProperty("java.io.tmpdir", dir.toString());
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            for (String name : blocks.keySet()) {
                for (int run = 1; run <= 2; run++) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                    try {
                        loader.loadClass(name).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw new AssertionError(name + " failed on run " + run, e.getCause());
                    } finally {
                        System.setOut(oldOut);
                    }
                    String text = out.toString(StandardCharsets.UTF_8);
                    if (run == 2) assertEquals(outputs.get(name), text, name + " prints the same when run again");
                    outputs.put(name, text);
                }
            }
        } finally {
            restore(SharedArray.DIR_PROPERTY, oldDir);
            restore("java.io.tmpdir", oldTmp);
        }
        assertTrue(outputs.get("QuickStart").startsWith("sum 1000000.0, std 0.0, same bits on 1 thread: true, ints 6\n"), outputs.get("QuickStart"));
        assertTrue(outputs.get("QuickStart").contains(" y array([0.2, 0.2, 0.2, ..., 0.2, 0.2, 0.2], shape=(10000000,)),"),
                outputs.get("QuickStart"));
        assertEquals("array([ 0.5,  1.5,  2. , -1. ]) F64: sum 3.0, min -1.0, argmax 2\n0.75\n", outputs.get("FromNumpy"));
        assertEquals("1000000.0\n", outputs.get("SharedPrices"));
        assertTrue(Files.exists(dir.resolve("prices.npy")), "the shared-array example created its file");
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }
}
