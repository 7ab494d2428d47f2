package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.shm.SharedArray;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code shm rm}, {@code --force} and names: only arrays are removed or replaced, and names print as themselves. */
class ShmSafetyTest {
    @TempDir
    Path dir;

    private String old;

    @BeforeEach
    void useTempDir() {
        old = System.getProperty(SharedArray.DIR_PROPERTY);
        System.setProperty(SharedArray.DIR_PROPERTY, dir.toString());
    }

    @AfterEach
    void restore() {
        if (old == null) System.clearProperty(SharedArray.DIR_PROPERTY);
        else System.setProperty(SharedArray.DIR_PROPERTY, old);
    }

    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int s = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(s, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8).strip());
    }

    private static void assertRefused(Result r, String what) {
        assertEquals(2, r.status, what + ": " + r.err);
        assertTrue(r.err.startsWith("paralelo: ") && !r.err.contains("\n"), what + ": " + r.err);
    }

    @Test
    void rmRemovesOnlyArraysUnlessToldOtherwise() throws Exception {
        Path notes = dir.resolve("notes.npy");
        Files.writeString(notes, "my notes, not an array\n");
        assertRefused(run("shm", "rm", "notes"), "a text file");
        assertTrue(Files.exists(notes));
        assertEquals(0, run("shm", "rm", "notes", "--any-file").status, "removed when asked explicitly");
        assertFalse(Files.exists(notes));

        Path emptyDir = dir.resolve("d.npy");
        Files.createDirectory(emptyDir);
        assertRefused(run("shm", "rm", "d"), "an empty directory");
        assertRefused(run("shm", "rm", "d", "--any-file"), "a directory, even with --any-file");
        assertTrue(Files.isDirectory(emptyDir));

        assertEquals(0, run("shm", "create", "real", "--dtype", "f64", "--length", "3").status);
        assertEquals(0, run("shm", "rm", "real").status);
        assertFalse(Files.exists(dir.resolve("real.npy")));
    }

    @Test
    void forceReplacesOnlyArrays() throws Exception {
        Path notes = dir.resolve("notes.npy");
        Files.writeString(notes, "my notes\n");
        assertRefused(run("shm", "create", "notes", "--dtype", "f64", "--length", "3", "--force"), "--force over a text file");
        assertEquals("my notes\n", Files.readString(notes));
        Files.createDirectory(dir.resolve("d.npy"));
        assertRefused(run("shm", "create", "d", "--dtype", "f64", "--length", "3", "--force"), "--force over a directory");
        assertTrue(Files.isDirectory(dir.resolve("d.npy")));
        // A symbolic link planted where the array would go: refused with or without --force, saying
        // why (not "pass --force"), and what it points to is untouched.
        Path victim = Files.writeString(dir.resolve("victim.txt"), "mine\n");
        Files.createSymbolicLink(dir.resolve("v.npy"), victim);
        for (String[] args : new String[][] {{"shm", "create", "v", "--dtype", "f64", "--length", "3"},
                {"shm", "create", "v", "--dtype", "f64", "--length", "3", "--force"}}) {
            Result r = run(args);
            assertRefused(r, String.join(" ", args));
            assertTrue(r.err.contains("is a symbolic link") && !r.err.contains("pass --force"), r.err);
        }
        assertEquals("mine\n", Files.readString(victim));
        assertEquals(0, run("shm", "create", "a", "--dtype", "f64", "--length", "3").status);
        assertEquals(0, run("shm", "create", "a", "--dtype", "i32", "--length", "5", "--force", "--fill", "arange").status);
        assertTrue(run("stats", "a", "--json").out.startsWith("{\"count\": 5, \"sum\": 10,"));
    }

    /** Long names: bytes count, not characters (80 three-byte characters are 240 bytes); the error names the user's name, not a temporary file. */
    @Test
    void longNamesAreRefusedByTheirBytes() throws Exception {
        Result r = run("shm", "create", "\u65e5".repeat(80), "--dtype", "f64", "--length", "1");
        assertRefused(r, "240 bytes");
        assertTrue(r.err.contains("longer than 200 bytes") && !r.err.contains("partial"), r.err);
        assertEquals(0, run("shm", "create", "\u65e5".repeat(66), "--dtype", "f64", "--length", "1").status, "198 bytes fit");
        Path big = dir.resolve("y".repeat(225) + ".npy");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> SharedArray.create(big, dev.paralelo.DType.F64, new long[] {1}, false));
        assertTrue(e.getMessage().startsWith(big.toString()) && e.getMessage().contains("229 bytes long, at most 224"), e.getMessage());
    }

    @Test
    void aMissingSharedFolderIsNamed() {
        System.setProperty(SharedArray.DIR_PROPERTY, dir.resolve("nope").toString());
        Result r = run("shm", "create", "x", "--dtype", "f64", "--length", "3");
        assertRefused(r, "a missing folder");
        assertTrue(r.err.contains("the shared-array folder " + dir.resolve("nope") + " does not exist"), r.err);
    }

    @Test
    void namesThatDoNotPrintAsThemselvesAreRefused() throws Exception {
        for (String name : new String[] {"del\u007F", "bidi\u202Egnp.exe", "zero\u200Bwidth", "iso\u2066late", "tab\tname", "c1\u0085",
                "bad\uFFFDbyte", ".hidden", "lone\uD800"}) {
            assertRefused(run("shm", "create", name, "--dtype", "f64", "--length", "1"), name);
        }
        try (var files = java.nio.file.Files.list(dir)) {
            assertEquals(0, files.count(), "nothing was created");
        }
        assertEquals(0, run("shm", "create", "data-2025 v1", "--dtype", "f64", "--length", "1").status, "printable names with spaces are fine");
    }

    @Test
    void lsEscapesNamesThatDoNotPrint() throws Exception {
        // Planted directly, as another program or user could (bytes, whatever this JVM's locale).
        dev.paralelo.Python.run("""
                import os, sys, numpy as np
                d = os.fsencode(sys.argv[1])
                np.save(open(d + b'/evil\\xe2\\x80\\xaeypt\\x1b[2J.npy', 'wb'), np.zeros(1))
                open(d + b'/bell\\x07.npy', 'wb').write(b'junk')
                """, dir.toString());
        boolean utf8 = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
        Result ls = run("shm", "ls");
        assertEquals(0, ls.status, ls.err);
        assertTrue(ls.out.contains(utf8 ? "evil\\u202eypt\\x1b[2J" : "\\x1b[2J") && ls.out.contains("bell\\x07"), ls.out);
        assertTrue(ls.out.codePoints().allMatch(c -> c == '\n' || (c >= 0x20 && c != 0x7F && Character.getType(c) != Character.FORMAT)),
                "nothing unprintable reaches the terminal: " + ls.out);
    }
}
