package dev.paralelo.pool.zmq;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The base of the tests that start worker processes: a folder, and every process killed after each test. */
abstract class WorkerProcesses {
    @TempDir
    Path dir;

    final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopWorkers() throws Exception {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A Java worker attached to endpoint, its output in workers.log. */
    Process attach(String endpoint, String... extra) throws Exception {
        Process p = Peers.worker(endpoint, dir.resolve("workers.log"), extra);
        started.add(p);
        return p;
    }

    static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }
}
