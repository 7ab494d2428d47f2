package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.shm.SharedArray;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mpirun -np N paralelo mpi sum|stats FILE} under a real mpirun (each rank the CLI's JVM):
 * rank 0 alone prints, with the bits {@code paralelo stats} prints in one process; errors are
 * one line from one rank, and every rank exits.
 */
class MpiCommandTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    private static String mpirun() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, "mpirun"))) return Path.of(d, "mpirun").toString();
        }
        throw new AssertionError("mpirun is not on PATH: install openmpi-bin and libopenmpi-dev (./paralelo test does)");
    }

    private static Run mpi(int ranks, String... args) throws Exception {
        return mpmd(List.of(List.of(args)), ranks);
    }

    /** mpirun of one rank group per element of groups (MPMD, separated by ':'), each with its own mpi arguments. */
    private static Run mpmd(List<List<String>> groups, int ranksEach) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(mpirun(), "--oversubscribe", "--bind-to", "none"));
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-run-as-root");
        for (int g = 0; g < groups.size(); g++) {
            if (g > 0) cmd.add(":");
            cmd.addAll(List.of("-np", Integer.toString(ranksEach), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), "dev.paralelo.cli.Main", "mpi"));
            cmd.addAll(groups.get(g));
        }
        Process p = new ProcessBuilder(cmd).start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (java.io.IOException e) {
                // ended
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("mpirun did not finish: " + out);
        }
        t.join();
        return new Run(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }

    private static String stats(Path file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"stats", file.toString(), "--json"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8).strip();
    }

    private Path write(DType t, long n) throws Exception {
        SplittableRandom r = new SplittableRandom(n);
        Path p = dir.resolve(t.label() + "_" + n + ".npy");
        SharedArray.create(p, t, new long[] {n}, false, a -> {
            for (long i = 0; i < n; i++) {
                double v = (r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(-25, 25));
                switch (a) {
                    case F64Array x -> x.set(i, v);
                    case F32Array x -> x.set(i, (float) v);
                    case I64Array x -> x.set(i, r.nextLong(-(1L << 40), 1L << 40));
                    case I32Array x -> x.set(i, r.nextInt());
                }
            }
        }).close();
        return p;
    }

    @Test
    void statsOnThreeRanksPrintsWhatOneProcessPrints() throws Exception {
        for (DType t : new DType[] {DType.F64, DType.I32}) {
            Path f = write(t, 5 * 4096 + 77); // 6 blocks over 3 ranks: 2, 2 and a short 2
            Run r = mpi(3, "stats", f.toString(), "--json");
            assertEquals(0, r.status(), r.err());
            String one = stats(f);
            assertEquals(one.substring(0, one.length() - 1) + ", \"ranks\": 3}", r.out(), "rank 0 alone prints, the same bits");
        }
        // Without --json: stats' own lines, the first with the ranks added.
        Path f = write(DType.F32, 2 * 4096 + 5);
        Run r = mpi(2, "stats", f.toString());
        assertEquals(0, r.status(), r.err());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"stats", f.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        List<String> one = out.toString(StandardCharsets.UTF_8).strip().lines().toList(), ranks = r.out().lines().toList();
        assertEquals(one.get(0) + ", 2 ranks", ranks.get(0));
        assertEquals(one.subList(1, one.size()), ranks.subList(1, ranks.size()));
    }

    @Test
    void sumOnTwoRanksIsTheSumOfOneProcess() throws Exception {
        Path f = write(DType.F32, 3 * 4096 + 1);
        Run r = mpi(2, "sum", f.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        String sum = stats(f).replaceAll(".*\"sum\": ([^,]*),.*", "$1");
        assertEquals("{\"sum\": " + sum + ", \"ranks\": 2}", r.out());
        Run plain = mpi(2, "sum", f.toString());
        assertEquals(sum, plain.out());
    }

    /**
     * Ranks that see different arrays at the same path (per-host copies that differ: here, each
     * rank is given its own file) are refused in one line, not summed into nobody's sum.
     */
    @Test
    void ranksThatSeeDifferentArraysAreRefused() throws Exception {
        Path a = write(DType.F64, 3 * 4096), b = write(DType.F64, 5 * 4096), c = write(DType.F32, 3 * 4096);
        for (Path other : List.of(b, c)) {
            Run r = mpmd(List.of(List.of("sum", a.toString(), "--json"), List.of("sum", other.toString(), "--json")), 1);
            assertNotEquals(0, r.status(), r.out());
            assertEquals("", r.out());
            List<String> ours = r.err().lines().filter(l -> l.startsWith("paralelo:")).toList();
            assertEquals(1, ours.size(), r.err());
            assertTrue(ours.get(0).contains("the ranks see different arrays at this path"), ours.get(0));
        }
    }

    /**
     * Ranks given different subcommands (one sum, one stats: MPMD) would wait in different
     * collectives; they are refused in one line, and every rank exits.
     */
    @Test
    void ranksGivenDifferentSubcommandsAreRefused() throws Exception {
        Path a = write(DType.F64, 3 * 4096);
        Run r = mpmd(List.of(List.of("sum", a.toString()), List.of("stats", a.toString())), 1);
        assertNotEquals(0, r.status(), r.out());
        assertEquals("", r.out());
        List<String> ours = r.err().lines().filter(l -> l.startsWith("paralelo:")).toList();
        assertEquals(1, ours.size(), r.err());
        assertTrue(ours.get(0).contains("different subcommands"), ours.get(0));
    }

    @Test
    void aMissingFileIsOneLineFromOneRankAndEveryRankExits() throws Exception {
        Run r = mpi(3, "sum", dir.resolve("nope.npy").toString());
        assertNotEquals(0, r.status());
        assertEquals("", r.out());
        List<String> ours = r.err().lines().filter(l -> l.startsWith("paralelo:")).toList();
        assertEquals(1, ours.size(), r.err());
        assertTrue(ours.get(0).contains("nope.npy") && ours.get(0).contains("no such file"), ours.get(0));
    }

    @Test
    void badUsageIsOneLine() throws Exception {
        Run r = mpi(2, "sum");
        assertNotEquals(0, r.status());
        List<String> ours = r.err().lines().filter(l -> l.startsWith("paralelo:")).toList();
        assertEquals(List.of("paralelo: mpi sum needs a FILE (a .npy file, a raw file with --dtype, or a shared array's NAME)"), ours,
                r.err());
    }
}
