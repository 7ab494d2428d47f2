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

    /** One diagnostic of javadoc: FILE:LINE: warning|error: MESSAGE. */
    private static final Pattern DIAGNOSTIC = Pattern.compile("^(.+\\.java):(\\d+): (warning|error): (.*)$");

    /**
     * javadoc with every doclint group, "missing" included (every public member has its
     * description, @param, @return and @throws for checked exceptions), reports nothing, in
     * every file of every exported package, as the pom's javadoc configuration demands. javac's
     * notice that the module reads the incubating jdk.incubator.vector is switched off as there.
     */
    @Test
    void javadocDoclintIsClean() throws Exception {
        // the modules dev.paralelo reads: picocli (static), JeroMQ and jnacl
        List<String> modules = new java.util.ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            if (name.startsWith("picocli-") || name.startsWith("jeromq-") || name.startsWith("jnacl-")) modules.add(e);
        }
        String picocli = String.join(java.io.File.pathSeparator, modules);
        StringWriter out = new StringWriter();
        int status = ToolProvider.findFirst("javadoc").orElseThrow().run(new java.io.PrintWriter(out), new java.io.PrintWriter(out),
                "-quiet", "-Xdoclint:all", "-XD-Xlint:-incubating", "-Xmaxwarns", "10000", "-Xmaxerrs", "10000",
                "-d", dir.toString(), "--module-source-path", "dev.paralelo=" + SOURCES, "-p", picocli, "--module", "dev.paralelo");
        List<String> problems = new java.util.ArrayList<>();
        for (String line : out.toString().lines().toList()) {
            Matcher d = DIAGNOSTIC.matcher(line);
            if (d.matches()) {
                String file = d.group(1).replace(java.io.File.separatorChar, '/');
                problems.add(file.substring(Math.max(0, file.indexOf("dev/paralelo/"))) + ":" + d.group(2) + ": " + d.group(4));
            } else if (line.startsWith("error:") || line.startsWith("warning:")) {
                problems.add(line);
            }
        }
        assertEquals(List.of(), problems, problems.size() + " doclint problems");
        assertEquals(0, status, out.toString());
    }
}
