package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's path, done for real: install the library from a fresh clone into a fresh local
 * Maven repository ({@code mvn install -DskipTests -pl java -am}, as the README says), then a
 * separate Maven project that depends on it compiles a program copied from the README, and
 * java runs it on the class path and on the module path with the flags the README gives.
 *
 * <p>Nothing is downloaded: the fresh repository resolves plugins and their dependencies from
 * this machine's Maven repository, named as a {@code file:} mirror in a settings file (the
 * real repository is read, never written). Takes a few minutes: the clone builds from scratch.
 */
class MavenProjectTest {
    @TempDir
    Path dir;

    private static final String VERSION = "0.1.0-SNAPSHOT";

    private static String run(Path cwd, int minutes, List<String> cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile(cwd.getParent(), "run", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().keySet().removeIf(k -> k.startsWith("MAVEN_"));
        Process p = pb.start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish in " + minutes + " minutes; log: " + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + tail(out));
        return out;
    }

    private static String tail(String s) {
        return s.length() > 6000 ? "..." + s.substring(s.length() - 6000) : s;
    }

    @Test
    void aSeparateProjectBuildsAndRunsAReadmeProgramAgainstTheInstalledJar() throws Exception {
        Path clone = dir.resolve("clone"), repo = dir.resolve("repo"), project = dir.resolve("project");
        WorkingTree.copy(WorkingTree.root(), clone);
        Path m2 = Path.of(System.getProperty("user.home"), ".m2", "repository");
        assertTrue(Files.isDirectory(m2), "this machine's Maven repository, used as a read-only mirror: " + m2);
        Path settings = dir.resolve("settings.xml");
        Files.writeString(settings, """
                <settings>
                  <localRepository>%s</localRepository>
                  <mirrors><mirror><id>this-machine</id><mirrorOf>*</mirrorOf><url>%s</url></mirror></mirrors>
                </settings>
                """.formatted(repo, m2.toUri()));
        String mvn = "mvn";
        List<String> common = List.of(mvn, "-B", "-s", settings.toString(), "-Dstyle.color=never");

        // 1. Install, as the README says.
        List<String> install = new ArrayList<>(common);
        install.addAll(List.of("install", "-DskipTests", "-pl", "java", "-am"));
        run(clone, 15, install);
        Path installed = repo.resolve("dev/paralelo/paralelo/" + VERSION);
        for (String suffix : List.of(".jar", ".pom", "-sources.jar", "-javadoc.jar")) {
            assertTrue(Files.isRegularFile(installed.resolve("paralelo-" + VERSION + suffix)), "installed paralelo-" + VERSION + suffix);
        }
        assertTrue(Files.isRegularFile(repo.resolve("dev/paralelo/paralelo-parent/" + VERSION + "/paralelo-parent-" + VERSION + ".pom")));
        String pom = Files.readString(installed.resolve("paralelo-" + VERSION + ".pom"));
        assertTrue(pom.matches("(?s).*<artifactId>picocli</artifactId>\\s*<version>[^<]*</version>\\s*<optional>true</optional>.*"),
                "picocli (the CLI's) is optional: a project that uses the library does not get it");

        // 2. A separate project with the README's dependency and one of its programs, verbatim.
        String readme = Files.readString(clone.resolve("README.md"));
        Matcher dep = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(dep.find(), "the README shows the dependency");
        String snippet = dep.group(1);
        assertTrue(snippet.contains("<version>" + VERSION + "</version>"), snippet);
        Matcher program = Pattern.compile("```java\\n(import [^`]*?public class FromNumpy .*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(program.find(), "the README's FromNumpy program");
        Files.createDirectories(project.resolve("src/main/java"));
        Files.writeString(project.resolve("src/main/java/FromNumpy.java"), program.group(1));
        Files.writeString(project.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>uses-paralelo</artifactId>
                  <version>1.0</version>
                  %s
                  <build>
                    <plugins>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.14.0</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(snippet));
        List<String> compile = new ArrayList<>(common);
        compile.add("compile");
        run(project, 5, compile);

        // 3. Run it as the README says: class path, then module path.
        Path jar = installed.resolve("paralelo-" + VERSION + ".jar");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String tmp = "-Djava.io.tmpdir=" + dir;
        String expected = "array([ 0.5,  1.5,  2. , -1. ]) F64: sum 3.0, min -1.0, argmax 2\n0.75\n";
        String classes = project.resolve("target/classes").toString();
        assertEquals(expected, run(project, 2, List.of(java, "--enable-native-access=ALL-UNNAMED", tmp,
                "-cp", classes + ":" + jar, "FromNumpy")), "on the class path, nothing on stderr");
        // the module path holds the library and the modules it requires (JeroMQ and jnacl, which
        // Maven fetched into the fresh repository for the project's compile)
        String modules = String.join(":", jar.toString(), onlyJar(repo.resolve("org/zeromq/jeromq")), onlyJar(repo.resolve("eu/neilalexander/jnacl")));
        assertEquals(expected, run(project, 2, List.of(java, "--enable-native-access=dev.paralelo", tmp,
                "-p", modules, "--add-modules", "dev.paralelo", "-cp", classes, "FromNumpy")), "on the module path");
    }

    /** The one jar under dir (an artifact's versions in a local repository). */
    private static String onlyJar(Path dir) throws Exception {
        try (var s = Files.walk(dir)) {
            List<Path> jars = s.filter(p -> p.toString().endsWith(".jar")).toList();
            assertEquals(1, jars.size(), "one jar under " + dir + ": " + jars);
            return jars.get(0).toString();
        }
    }
}
