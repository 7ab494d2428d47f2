package dev.paralelo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command lines of {@code ./paralelo bench} and {@code bench mpi}: both option forms the
 * help shows, one-line refusals (exit status 2) for bad options, and output locations checked
 * before anything is measured. Nothing here measures: every run below is refused or a replot.
 */
class BenchCommandLineTest {
    @TempDir
    Path dir;

    private static final Path DEFAULT_OUT = Path.of("default-out");

    private static Cli.Failure refused(String... args) {
        return assertThrows(Cli.Failure.class, () -> Report.parse(args, DEFAULT_OUT), String.join(" ", args));
    }

    @Test
    void optionsTakeTheirValueAfterASpaceOrAnEqualsSign() {
        for (String[] args : List.of(
                new String[] {"--out", "/tmp/o", "--json", "j.json", "--machine", "a box"},
                new String[] {"--out=/tmp/o", "--json=j.json", "--machine=a box"})) {
            Report.Options o = Report.parse(args, DEFAULT_OUT);
            assertEquals(Path.of("/tmp/o"), o.outDir);
            assertEquals(Path.of("j.json"), o.json);
            assertEquals("a box", o.machine);
        }
        Report.Options r = Report.parse(new String[] {"--replot=x/latest.json"}, DEFAULT_OUT);
        assertEquals(Path.of("x/latest.json"), r.replot);
        assertEquals(DEFAULT_OUT, r.outDir, "the default folder");
        Report.Options f = Report.parse(new String[] {"--full", "--jmh-param=kernel=sum,dot", "--jmh-param", "n=16"}, DEFAULT_OUT);
        assertArrayEquals(new String[] {"sum", "dot"}, f.jmhParams.get("kernel"));
        assertArrayEquals(new String[] {"16"}, f.jmhParams.get("n"));
        assertEquals(Path.of("/o/latest.json"), Report.parse(new String[] {"--out=/o"}, DEFAULT_OUT).json, "JSON defaults into --out");
        assertTrue(Report.parse(new String[] {"--cores", "--smoke"}, DEFAULT_OUT).cores);
    }

    @Test
    void badOptionsAreRefusedInOneLine() {
        assertTrue(refused("--bogus").getMessage().startsWith("unknown option --bogus"));
        assertTrue(refused("--out=/x", "mpi").getMessage().startsWith("unknown option mpi"));
        assertEquals("--out needs a DIR", refused("--out").getMessage());
        assertEquals("--out needs a DIR", refused("--out", "--smoke").getMessage(), "an option is not a folder's name");
        assertTrue(refused("--out=").getMessage().contains("empty"));
        assertTrue(refused("--full=yes").getMessage().contains("takes no value"));
        assertEquals("--out given twice", refused("--out", "/a", "--out=/b").getMessage());
        assertTrue(refused("--full", "--cores").getMessage().contains("different runs"));
        assertTrue(refused("--cores", "--replot", "f").getMessage().contains("different runs"));
        assertTrue(refused("--jmh-param", "kernel=sum").getMessage().contains("--full"));
        assertTrue(refused("--full", "--jmh-param", "kernel").getMessage().contains("NAME=V1,V2"));
        assertTrue(refused("--pool-only", "--out", "/x").getMessage().contains("writes nothing"));
        assertTrue(refused("--replot", "f", "--json", "j").getMessage().contains("writes no JSON"));
        for (String[] args : List.of(new String[] {"--bogus"}, new String[] {"--out"}, new String[] {"--full", "--cores"})) {
            Cli.Failure f = refused(args);
            assertEquals(2, f.status);
            assertFalse(f.getMessage().contains("\n"), f.getMessage());
        }
    }

    private static Cli.Failure refusedPaths(String... args) {
        return assertThrows(Cli.Failure.class, () -> Report.checkPaths(Report.parse(args, DEFAULT_OUT)), String.join(" ", args));
    }

    @Test
    void outputLocationsAreCheckedFirst() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "keep me");
        assertEquals("--out " + file + ": not a folder", refusedPaths("--out", file.toString()).getMessage());
        assertTrue(refusedPaths("--out", file.resolve("sub").toString()).getMessage().endsWith(file + " is not a folder"));
        assertTrue(refusedPaths("--cores", "--out", dir.toString(), "--json", file.resolve("x.json").toString()).getMessage()
                .endsWith(file + " is not a folder"));
        assertTrue(refusedPaths("--out", dir.toString(), "--json", dir.toString()).getMessage().contains("a folder, not a file"));
        assertEquals("keep me", Files.readString(file), "nothing written is lost");
        // A folder that does not exist yet is made (with its parents) before measuring.
        Path fresh = dir.resolve("a/b/c");
        Report.checkPaths(Report.parse(new String[] {"--out", fresh.toString(), "--json", dir.resolve("j/x.json").toString()}, DEFAULT_OUT));
        assertTrue(Files.isDirectory(fresh) && Files.isDirectory(dir.resolve("j")));
        try (var left = Files.list(fresh)) {
            assertEquals(0, left.count(), "the write probe is removed");
        }
        // The measuring never starts: the refusal comes before the report's first line.
        String printed = printedBy(() -> assertThrows(Cli.Failure.class,
                () -> Report.run(new String[] {"--smoke", "--cores", "--json", file.resolve("x.json").toString()})));
        assertEquals("", printed);
    }

    @Test
    void aFolderThatCannotBeWrittenIsRefused() throws Exception {
        Path ro = Files.createDirectory(dir.resolve("ro"));
        // Root writes through any mode: as root, a read-only file system (a tmpfs mounted ro).
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro.toString()).redirectErrorStream(true).start();
            String out = new String(m.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(m.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && m.exitValue() == 0,
                    "as root this test mounts a read-only tmpfs (mount -t tmpfs -o ro): " + out);
        } else {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        try {
            assertTrue(!Files.isWritable(ro) || root, "the folder is read-only");
            assertTrue(refusedPaths("--out", ro.toString()).getMessage().contains("cannot write there"));
            assertTrue(refusedPaths("--out", dir.toString(), "--json", ro.resolve("x.json").toString()).getMessage()
                    .contains("cannot write in " + ro));
        } finally {
            if (root) {
                new ProcessBuilder("umount", ro.toString()).inheritIO().start().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            } else {
                Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    @Test
    void replotNeedsAReportsJson() throws Exception {
        assertEquals("--replot " + dir.resolve("none") + ": no such file", refusedPaths("--replot", dir.resolve("none").toString()).getMessage());
        assertTrue(refusedPaths("--replot", dir.toString()).getMessage().contains("a folder, not a file"));
        assertTrue(refusedPaths("--replot=/dev/null").getMessage().contains("not a regular file"));
        Path notJson = Files.writeString(dir.resolve("notes.txt"), "hello\n");
        Cli.Failure f = assertThrows(Cli.Failure.class, () -> Report.readJson(notJson));
        assertTrue(f.getMessage().contains("no results"), f.getMessage());
        Path binary = Files.write(dir.resolve("x.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, '{', '\n'});
        assertTrue(assertThrows(Cli.Failure.class, () -> Report.readJson(binary)).getMessage().contains("not UTF-8"));
    }

    /** A chart that cannot be written (here: a folder in its place) is one line, exit status 1, after the tables. */
    @Test
    void aChartThatCannotBeWrittenIsOneLine() throws Exception {
        Path json = Files.writeString(dir.resolve("latest.json"), String.join("\n", "[",
                "  {\"kernel\": \"read\", \"dtype\": \"f64\", \"n\": 131072, \"impl\": \"c-probe\", \"threads\": " + Report.CORES
                        + ", \"gbps\": 40.0, \"ns_per_call\": 26000.0},",
                "  {\"kernel\": \"sum\", \"dtype\": \"f64\", \"n\": 131072, \"impl\": \"paralelo\", \"threads\": " + Report.CORES
                        + ", \"gbps\": 30.0, \"ns_per_call\": 35000.0}",
                "]", ""));
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createDirectory(out.resolve("sum-f64.png"));
        int cores = Report.CORES;
        try {
            Cli.Failure[] failure = new Cli.Failure[1];
            String printed = printedBy(() -> failure[0] = assertThrows(Cli.Failure.class,
                    () -> Report.run(new String[] {"--replot", json.toString(), "--out", out.toString()})));
            assertEquals(1, failure[0].status);
            assertTrue(failure[0].getMessage().startsWith("could not write the charts"), failure[0].getMessage());
            assertTrue(printed.contains("sum f64  (GB/s)"), "the tables are printed first:\n" + printed);
        } finally {
            Report.CORES = cores;
        }
    }

    @Test
    void mpiTakesOutAndSmokeOnly() {
        MpiBench.Options o = MpiBench.parse(new String[] {"--out=/tmp/mpi-figures", "--smoke"});
        assertEquals(Path.of("/tmp/mpi-figures"), o.out());
        assertTrue(o.smoke());
        assertEquals(Path.of("/tmp/m"), MpiBench.parse(new String[] {"--out", "/tmp/m"}).out());
        assertNull(MpiBench.parse(new String[0]).out());
        assertTrue(MpiBench.parse(new String[] {"--help"}).help());
        Cli.Failure unknown = assertThrows(Cli.Failure.class, () -> MpiBench.parse(new String[] {"--out", "/tmp/x", "--bogus"}));
        assertEquals(2, unknown.status);
        assertTrue(unknown.getMessage().startsWith("unknown option --bogus"));
        assertThrows(Cli.Failure.class, () -> MpiBench.parse(new String[] {"--smoke=1"}));
        assertThrows(Cli.Failure.class, () -> MpiBench.parse(new String[] {"--out"}));
        if (System.getProperty("paralelo.bench.root") == null) {
            assertTrue(assertThrows(Cli.Failure.class, () -> MpiBench.parse(new String[] {"--out", "rel"})).getMessage()
                    .contains("absolute path"));
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private static String printedBy(Action action) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setOut(stdout);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }
}
