package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.shm.Privileged;
import dev.paralelo.shm.SharedArray;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stats} on input that used to give wrong numbers with exit status 0, hang, or print a
 * stack trace: raw data without --dtype, damaged magic, FIFOs, devices, /proc files, bad names,
 * unreadable files, a file truncated during the call, and a bare name that is both a file in
 * the current directory and a shared array.
 */
class StatsSafetyTest {
    @TempDir
    Path dir;

    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int s = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(s, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8).strip());
    }

    private static void assertOneLineError(Result r, String contains, String what) {
        assertEquals(2, r.status, what + ": " + r.out + " / " + r.err);
        assertTrue(r.err.startsWith("paralelo: ") && !r.err.contains("\n") && r.err.contains(contains), what + ": " + r.err);
        assertEquals("", r.out, what);
    }

    @Test
    void aFileWithoutAHeaderNeedsDtype() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0\n"); // 32 bytes: 4 doubles if read raw
        Path empty = dir.resolve("empty.bin");
        Files.write(empty, new byte[0]);
        for (Path p : List.of(text, empty)) {
            assertOneLineError(run("stats", p.toString()), "needs --dtype", p.toString());
        }
        Result raw = run("stats", text.toString(), "--dtype", "i64", "--json");
        assertEquals(0, raw.status, "with --dtype a raw file is read: " + raw.err);
        assertTrue(raw.out.startsWith("{\"count\": 4,"), raw.out);
        // A name ending in .npy is read as .npy whatever --dtype says: the hint says to rename it.
        Path named = dir.resolve("raw.npy");
        Files.writeString(named, "1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0\n");
        for (String[] args : new String[][] {{"stats", named.toString()}, {"stats", named.toString(), "--dtype", "f64"}}) {
            Result r = run(args);
            assertOneLineError(r, "must not be named *.npy: rename it", String.join(" ", args));
            assertTrue(r.err.contains("(byte 0x93, then NUMPY)") && !r.err.contains("\\\\"), r.err);
        }
    }

    @Test
    void aDamagedMagicIsNeverReadAsRawData() throws Exception {
        Path good = dir.resolve("good.npy");
        SharedArray.create(good, DType.F64, new long[] {16}, false).close();
        byte[] b = Files.readAllBytes(good);
        b[5] = 'X'; // \x93NUMPX
        Path bad = dir.resolve("bad.dat");
        Files.write(bad, b);
        for (String[] args : new String[][] {{"stats", bad.toString()}, {"stats", bad.toString(), "--dtype", "f64"}}) {
            assertOneLineError(run(args), "corrupt .npy", String.join(" ", args));
        }
    }

    @Test
    void dtypeThatContradictsTheHeaderIsAnError() throws Exception {
        Path p = dir.resolve("ints.npy");
        SharedArray.create(p, DType.I32, new long[] {10}, false).close();
        assertOneLineError(run("stats", p.toString(), "--dtype", "f64"), "contradicts the .npy header", "i32 file as f64");
        assertEquals(0, run("stats", p.toString(), "--dtype", "i32").status, "an agreeing --dtype is fine");
    }

    @Test
    void fifosDevicesAndProcFilesAreRefusedWithoutHanging() throws Exception {
        Path fifo = dir.resolve("pipe");
        Privileged.sh("mkfifo", fifo.toString());
        // A child JVM: the old code blocked in open(2) on the FIFO for ever.
        for (String[] args : new String[][] {
            {"stats", fifo.toString(), "--dtype", "f64"}, {"stats", fifo.toString()},
            {"stats", "/dev/null", "--dtype", "f64"}, {"stats", "/dev/zero", "--dtype", "f64"},
            {"stats", "/proc/self/status", "--dtype", "f64"}, {"stats", "/proc/self/status"},
        }) {
            Privileged.Run r = Privileged.run(dir, 30, Privileged.cli(List.of(), args));
            assertEquals(2, r.status(), String.join(" ", args) + ": " + r.out() + " / " + r.err());
            assertTrue(r.err().startsWith("paralelo: ") && !r.err().contains("\n"), r.err());
        }
    }

    @Test
    void badNamesPrintOneLineAndExitTwo() {
        for (String name : List.of("a\tb", "x".repeat(250), "a\u202Eb", "del\u007F")) {
            Result r = run("stats", name);
            assertOneLineError(r, "", name);
            assertFalse(r.err.contains("\t") || r.err.contains("\u202E") || r.err.contains("\u007F"), "escaped: " + r.err);
        }
    }

    @Test
    void anUnreadableFileSaysPermissionDenied() throws Exception {
        Privileged.requireRoot("reads a root-only file as a second Unix user");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path p = dir.resolve("private.npy");
        SharedArray.create(p, DType.F64, new long[] {4}, false).close(); // mode 0600, owned by root
        Privileged.Run r = Privileged.run(dir, 60, Privileged.asOtherUser(Privileged.cli(List.of(), "stats", p.toString())
                .toArray(String[]::new)));
        assertEquals(2, r.status(), r.err());
        assertEquals("paralelo: " + p + ": permission denied", r.err());
    }

    @Test
    void aReadOnlyOpenOfAFileOthersMayWriteWarns() throws Exception {
        Path p = dir.resolve("open.npy");
        SharedArray.create(p, DType.F64, new long[] {4}, false).close();
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw-rw-"));
        Privileged.Run r = Privileged.run(dir, 60, Privileged.cli(List.of(), "stats", p.toString(), "--json"));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("writable by every user"), r.err());
    }

    @Test
    void aBareNameThatIsBothAFileHereAndASharedArrayIsAmbiguous() throws Exception {
        Path shm = dir.resolve("shm"), cwd = dir.resolve("data");
        Files.createDirectories(shm);
        Files.createDirectories(cwd);
        SharedArray.create(cwd.resolve("x.npy"), DType.I64, new long[] {3}, false, a -> ((dev.paralelo.I64Array) a).set(0, 7)).close();
        SharedArray.create(shm.resolve("x.npy"), DType.I64, new long[] {5}, false).close();
        List<String> props = List.of("-D" + SharedArray.DIR_PROPERTY + "=" + shm);
        Privileged.Run both = Privileged.run(cwd, 60, Privileged.cli(props, "stats", "x.npy"));
        assertEquals(2, both.status(), both.out());
        assertTrue(both.err().contains("ambiguous"), both.err());
        Privileged.Run file = Privileged.run(cwd, 60, Privileged.cli(props, "stats", "./x.npy", "--json"));
        assertTrue(file.status() == 0 && file.out().startsWith("{\"count\": 3, \"sum\": 7,"), file.out() + file.err());
        Files.delete(cwd.resolve("x.npy"));
        Privileged.Run named = Privileged.run(cwd, 60, Privileged.cli(props, "stats", "x", "--json"));
        assertTrue(named.status() == 0 && named.out().startsWith("{\"count\": 5,"), "a bare name with no such file here is the shared array: "
                + named.out() + named.err());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"auto", "java", "native"})
    void aFileTruncatedDuringTheCallIsReportedNotAStackTrace(String kernels) throws Exception {
        // Sparse and large, so that the kernels are still reading when it is cut. The pure-Java
        // kernels touch a page that is gone, which the JVM turns into an InternalError, which
        // the kernels report as a truncation; the native kernels' SIGBUS guard returns an error
        // status, which they report the same way. stats runs the native kernels by default.
        Path big = dir.resolve("big.raw");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(8L << 30);
        }
        Process p = new ProcessBuilder(Privileged.cli(List.of("-Xmx128m"), "stats", big.toString(),
                "--dtype", "f64", "--threads", "1", "--kernels", kernels)).start();
        Path maps = Path.of("/proc", Long.toString(p.pid()), "maps");
        for (int i = 0; i < 600 && !(Files.exists(maps) && Files.readString(maps).contains(big.toString())); i++) Thread.sleep(50);
        assertTrue(Files.readString(maps).contains(big.toString()), "the child mapped the file");
        Thread.sleep(300); // well into the first pass over 8 GiB
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(4096); // what another process may do at any time
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), "exit 2 with a message, not a stack trace: " + out + "\n" + err);
        assertTrue(err.startsWith("paralelo: ") && !err.contains("\n") && err.contains("truncated"), err);
    }

    /**
     * The same race through the API: both pure-Java kernels (scalar, and vector, whose loads
     * from a mapped file read a staged copy: a vector load that faults kills the JVM) and the
     * native kernels (through the library's SIGBUS guard) throw IllegalStateException, not an
     * Error, for every kernel that reads through vectors.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"SCALAR, F64, sum", "VECTOR, F64, sum", "VECTOR, F32, sum", "VECTOR, F64, dot",
        "VECTOR, F32, variance", "VECTOR, F64, max", "VECTOR, F32, min", "NATIVE, F64, sum", "NATIVE, F32, sum", "NATIVE, F64, dot",
        "NATIVE, F32, variance", "NATIVE, F64, max"})
    void everyKernelReportsATruncationDuringTheCallAsAnException(dev.paralelo.Implementation impl, DType type, String kernel)
            throws Exception {
        Path big = dir.resolve("api.raw");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(8L << 30);
        }
        try (SharedArray a = SharedArray.openAny(big, type, false)) {
            dev.paralelo.Kernels k = dev.paralelo.Kernels.using(impl).withThreads(1);
            dev.paralelo.NumArray x = a.array();
            var call = java.util.concurrent.CompletableFuture.supplyAsync(() -> switch (kernel) {
                case "sum" -> k.mean(x);
                case "dot" -> k.dot(x, x);
                case "variance" -> k.variance(x, 0);
                case "max" -> x instanceof dev.paralelo.F64Array d ? k.max(d) : k.max((dev.paralelo.F32Array) x);
                default -> x instanceof dev.paralelo.F64Array d ? k.min(d) : k.min((dev.paralelo.F32Array) x);
            });
            Thread.sleep(300);
            try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
                f.setLength(4096);
            }
            var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> call.get(120, TimeUnit.SECONDS), "the " + kernel + " of 8 GiB was still running when the file was cut");
            assertTrue(e.getCause() instanceof IllegalStateException && e.getCause().getMessage().contains("truncated"),
                    String.valueOf(e.getCause()));
        }
    }
}
