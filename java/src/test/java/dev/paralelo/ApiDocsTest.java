package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The published API's documentation: a package-info for every exported package, and javadoc's doclint clean. */
class ApiDocsTest {
    @TempDir
    Path dir;

    private static final Path SOURCES = Path.of(System.getProperty("user.dir"), "src", "main", "java");

    private static List<String> exported() throws java.io.IOException {
        Matcher m = Pattern.compile("^\\s*exports ([\\w.]+);", Pattern.MULTILINE).matcher(Files.readString(SOURCES.resolve("module-info.java")));
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) out.add(m.group(1));
        return out;
    }

    @Test
    void everyExportedPackageHasAPackageInfo() throws Exception {
        List<String> packages = exported();
        assertTrue(packages.containsAll(List.of("dev.paralelo", "dev.paralelo.shm", "dev.paralelo.pool")), packages.toString());
        for (String p : packages) {
            Path info = SOURCES.resolve(p.replace('.', '/')).resolve("package-info.java");
            assertTrue(Files.exists(info), "missing " + info);
            assertTrue(Files.readString(info).contains("/**"), "documented: " + info);
        }
    }

    /**
     * javadoc with doclint (every group but "missing": some members still lack @param and
     * @return) reports nothing but its notice that the module reads the incubating
     * jdk.incubator.vector.
     */
    @Test
    void javadocDoclintIsClean() throws Exception {
        String picocli = System.getProperty("java.class.path").lines().findFirst().orElse("");
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (Path.of(e).getFileName().toString().startsWith("picocli-")) picocli = e;
        }
        StringWriter out = new StringWriter();
        int status = ToolProvider.findFirst("javadoc").orElseThrow().run(new java.io.PrintWriter(out), new java.io.PrintWriter(out),
                "-quiet", "-Xdoclint:all,-missing", "-Xmaxwarns", "10000", "-d", dir.toString(),
                "--module-source-path", "dev.paralelo=" + SOURCES, "-p", picocli, "--module", "dev.paralelo");
        List<String> problems = out.toString().lines()
                .filter(l -> l.contains("warning") || l.contains("error"))
                .filter(l -> !l.contains("using incubating module(s): jdk.incubator.vector") && !l.matches("\\d+ warnings?"))
                .toList();
        assertEquals(0, status, out.toString());
        assertEquals(List.of(), problems, out.toString());
    }
}
