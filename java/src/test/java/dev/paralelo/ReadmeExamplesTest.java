package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.shm.SharedArray;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java examples compile against the library and run, so the docs cannot drift. */
class ReadmeExamplesTest {
    @TempDir
    Path dir;

    @Test
    void readmeExamplesCompileAndRun() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("user.dir")).resolveSibling("README.md"));
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            StringBuilder body = new StringBuilder();
            for (String line : m.group(1).split("\n")) if (!line.startsWith("import ")) body.append(line).append('\n');
            blocks.add(body.toString());
        }
        assertTrue(blocks.size() >= 2, "README has Java examples");
        StringBuilder src = new StringBuilder("import dev.paralelo.*;\nimport dev.paralelo.shm.*;\nimport dev.paralelo.pool.*;\nimport java.lang.foreign.Arena;\n"
                + "public class ReadmeExample {\n    public static void run() throws Exception {\n");
        for (String b : blocks) src.append("        {\n").append(b).append("        }\n");
        src.append("    }\n}\n");
        Path file = dir.resolve("ReadmeExample.java");
        Files.writeString(file, src);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK compiler");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = javac.run(null, null, err, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"), file.toString());
        assertEquals(0, status, "README examples must compile:\n" + err.toString(StandardCharsets.UTF_8) + "\n" + src);

        String old = System.getProperty(SharedArray.DIR_PROPERTY);
        System.setProperty(SharedArray.DIR_PROPERTY, dir.toString());
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            loader.loadClass("ReadmeExample").getMethod("run").invoke(null);
        } finally {
            if (old == null) System.clearProperty(SharedArray.DIR_PROPERTY);
            else System.setProperty(SharedArray.DIR_PROPERTY, old);
        }
        assertTrue(Files.exists(dir.resolve("prices.npy")), "the shared-array example created its file");
    }
}
