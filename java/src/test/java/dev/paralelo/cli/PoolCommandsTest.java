package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import dev.paralelo.shm.SharedArray;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo} and {@code sum} end to end, with real worker processes: their JSON and their bits. */
class PoolCommandsTest {
    @TempDir
    Path dir;

    static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": ([^,}]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return m.group(1).strip();
    }

    @Test
    void demoSumsTheTalksArrayToTheBitsOfOneProcess() {
        for (String kernels : new String[] {"auto", "java"}) {
            CommandLineTest.Result r = CommandLineTest.run("demo", "--workers", "2", "--kernels", kernels, "--json");
            assertEquals(0, r.status(), r.out() + r.err());
            String json = r.out().strip();
            assertTrue(json.startsWith("{") && json.endsWith("}") && json.lines().count() == 1, json);
            // sum of arange(1 << 22): 2^21 (2^22 - 1), exact in float32 partials merged exactly
            assertEquals(8796090925056.0, Double.parseDouble(field(json, "result")), json);
            assertEquals(field(json, "result"), field(json, "expected"), json);
            assertEquals("2", field(json, "workers"));
            assertEquals("1024", field(json, "tasks"));
            assertTrue(Double.parseDouble(field(json, "seconds")) > 0, json);
        }
    }

    /** Too many workers is one line, before the demo makes its 16 MiB array: nothing is left in the shared folder. */
    @Test
    void demoWithTooManyWorkersIsOneLineAndLeavesNoArray() throws Exception {
        int over = dev.paralelo.pool.WorkerPool.MAX_WORKERS + 1;
        CommandLineTest.Result r = CommandLineTest.run("demo", "--workers", Integer.toString(over));
        assertEquals(2, r.status(), r.out() + r.err());
        assertEquals("paralelo: --workers " + over + ": " + over + " workers is more than a pool starts", r.err().strip().split(": at most")[0]);
        assertTrue(!r.err().strip().contains("\n"), r.err());
        String mine = "paralelo-demo-" + ProcessHandle.current().pid() + ".npy";
        assertTrue(!java.nio.file.Files.exists(SharedArray.directory().resolve(mine)), "no array left behind");
    }

    @Test
    void sumOfAFileGivesTheInProcessBits() throws Exception {
        Path p = dir.resolve("x.npy");
        long n = 300_001;
        try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {n}, true, v -> {
            F64Array x = (F64Array) v;
            for (long i = 0; i < n; i++) x.set(i, Math.sin(i) * Math.pow(10, (i % 31) - 15));
        })) {
            double want = Kernels.defaults().sum(a.array(F64Array.class));
            CommandLineTest.Result r = CommandLineTest.run("sum", p.toString(), "--workers", "2", "--json");
            assertEquals(0, r.status(), r.out() + r.err());
            assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(Double.parseDouble(field(r.out(), "sum"))), r.out());
            assertEquals("2", field(r.out(), "workers"));
            CommandLineTest.Result plain = CommandLineTest.run("sum", p.toString(), "--workers", "1");
            assertEquals(0, plain.status(), plain.err());
            assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(Double.parseDouble(plain.out().strip())));
        }
    }

    /** sum --workers 0 --listen: the worker that attached did the job, and the JSON counts it. */
    @Test
    void sumByAnAttachedWorkerCountsIt() throws Exception {
        Path p = dir.resolve("y.npy");
        long n = 100_003;
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String ep = "tcp://127.0.0.1:" + port;
        Process worker = null;
        try (SharedArray a = SharedArray.create(p, DType.F64, new long[] {n}, true, v -> {
            F64Array x = (F64Array) v;
            for (long i = 0; i < n; i++) x.set(i, Math.cos(i) * 1e3);
        })) {
            double want = Kernels.defaults().sum(a.array(F64Array.class));
            // The worker dials first; ZeroMQ dials again until the pool listens.
            worker = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.paralelo.pool.WorkerMain",
                    "--connect", ep, "--threads", "1").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("worker.log").toFile()).start();
            CommandLineTest.Result r = CommandLineTest.run("sum", p.toString(), "--workers", "0", "--listen", ep, "--await-workers", "1",
                    "--wait", "60", "--json");
            assertEquals(0, r.status(), r.out() + r.err() + java.nio.file.Files.readString(dir.resolve("worker.log")));
            assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(Double.parseDouble(field(r.out(), "sum"))), r.out());
            assertEquals("1", field(r.out(), "workers"), "the attached worker counts: " + r.out());
        } finally {
            if (worker != null) {
                worker.destroyForcibly();
                worker.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }
}
