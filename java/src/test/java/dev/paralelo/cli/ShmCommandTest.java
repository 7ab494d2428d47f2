package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.shm.SharedArray;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code paralelo shm create|ls|rm} and {@code stats NAME}, in a private directory. */
class ShmCommandTest {
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

    @Test
    void createListStatsRemove() throws Exception {
        assertEquals(0, run("shm", "create", "xs", "--dtype", "i64", "--length", "1000", "--fill", "arange").status);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("xs.npy"))));
        assertEquals(0, run("shm", "create", "ys", "--dtype", "f32", "--length", "5").status);
        Result ls = run("shm", "ls");
        assertTrue(ls.out.contains("xs") && ls.out.contains("i64") && ls.out.contains("(1000,)") && ls.out.contains("ys"), ls.out);
        Result st = run("stats", "xs", "--json");
        assertEquals(0, st.status, st.err);
        assertTrue(st.out.startsWith("{\"count\": 1000, \"sum\": 499500, \"mean\": 499.5, \"min\": 0, \"max\": 999, "), st.out);
        assertEquals(0, run("shm", "create", "r", "--dtype", "f64", "--length", "100000", "--fill", "random").status);
        Result rs = run("stats", "r", "--json");
        assertTrue(rs.out.contains("\"min\": 0.0") || rs.out.contains("\"min\": 1.") || rs.out.contains("E-"), rs.out);
        assertEquals(0, run("shm", "rm", "xs").status);
        assertTrue(!Files.exists(dir.resolve("xs.npy")));
    }

    @Test
    void badRequestsExitTwo() throws Exception {
        assertEquals(0, run("shm", "create", "a", "--dtype", "f64", "--length", "3").status);
        Result again = run("shm", "create", "a", "--dtype", "f64", "--length", "3");
        assertEquals(2, again.status);
        assertTrue(again.err.contains("--force"), again.err);
        assertEquals(0, run("shm", "create", "a", "--dtype", "i32", "--length", "7", "--force").status);
        String[][] bad = {
            {"shm", "create", "../evil", "--dtype", "f64", "--length", "3"},
            {"shm", "create", "a/b", "--dtype", "f64", "--length", "3"},
            {"shm", "create", "b", "--dtype", "c64", "--length", "3"},
            {"shm", "create", "b", "--dtype", "f64", "--length", "-3"},
            {"shm", "create", "b", "--dtype", "f64", "--length", "3", "--fill", "ones"},
            {"shm", "create", "b"},
            {"shm", "rm", "nothing"},
            {"shm", "frobnicate"},
            {"shm"},
            {"stats", "nothing"},
        };
        for (String[] args : bad) {
            Result r = run(args);
            assertEquals(2, r.status, String.join(" ", args) + ": " + r.err);
            assertTrue(r.err.startsWith("paralelo: ") && !r.err.contains("\n"), r.err);
        }
        assertTrue(Files.exists(dir.resolve("a.npy")), "nothing already written is lost");
    }
}
