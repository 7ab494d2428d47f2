package dev.paralelo.pool.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.SliceOp;
import dev.paralelo.pool.PoolException;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.pool.WorkerPoolTestAccess;
import dev.paralelo.shm.SharedArray;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool over ZeroMQ with real worker processes: its own workers over loopback TCP, workers
 * that attach to a listening pool (alone or next to local ones), join and leave during a job,
 * go silent, and exit when the pool closes. Every result has the in-process bits.
 */
class ZmqPoolTest extends WorkerProcesses {
    static SharedArray ramp(Path dir, String name, long n) throws Exception {
        return SharedArray.create(dir.resolve(name + ".npy"), DType.F64, new long[] {n}, true, a -> {
            F64Array x = (F64Array) a;
            for (long i = 0; i < n; i++) x.set(i, Math.sin(i) * Math.pow(10, (int) (i % 13) - 6));
        });
    }

    @Test
    void localWorkersOverTcpGiveTheInProcessBits() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(2).transport("tcp").taskElements(4096).batchSize(3).start()) {
            for (DType t : DType.values()) {
                for (long n : new long[] {0, 1, 4097, 100_003}) {
                    try (SharedArray a = WorkerPoolTestAccess.array(dir, "a", t, n, n); SharedArray b = WorkerPoolTestAccess.array(dir, "b", t, n, n + 1)) {
                        WorkerPoolTestAccess.assertSameAsInProcess(pool, a, b, "tcp " + t + " n=" + n);
                    }
                }
            }
            try (SharedArray a = WorkerPoolTestAccess.array(dir, "s", DType.F32, 100_003, 7);
                    SharedArray out = SharedArray.create(dir.resolve("out.npy"), DType.F64, new long[] {(100_003 + 999) / 1000}, true)) {
                NumArray want = dev.paralelo.F64Array.allocate((100_003 + 999) / 1000);
                Kernels.defaults().reduceSlices(SliceOp.MEAN, a.array(), 1000, want);
                pool.reduceSlices(SliceOp.MEAN, a, 1000, out);
                assertEquals(-1, want.segment().mismatch(out.array().segment()), "slices");
            }
        }
    }

    @Test
    void attachedWorkersAloneGiveTheInProcessBits() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).taskElements(4096).start();
                SharedArray a = ramp(dir, "x", 1_000_003); SharedArray b = ramp(dir, "y", 1_000_003)) {
            attach(pool.listenEndpoint());
            attach(pool.listenEndpoint());
            assertTrue(Peers.await(() -> pool.liveWorkers() == 2, 30), "two workers attached");
            WorkerPoolTestAccess.assertSameAsInProcess(pool, a, b, "attached");
        }
    }

    @Test
    void attachedWorkersWorkNextToLocalOnes() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(1).listen("tcp://127.0.0.1:0", Map.of()).taskElements(4096).batchSize(2).start();
                SharedArray a = ramp(dir, "x", 2_000_003)) {
            attach(pool.listenEndpoint());
            assertTrue(Peers.await(() -> pool.liveWorkers() == 2, 30), () -> "one local and one attached worker, but "
                    + pool.liveWorkers() + " live; the attached worker's log: " + Peers.text(dir.resolve("workers.log")));
            for (int i = 0; i < 3; i++) assertEquals(bits(Kernels.defaults().sum(a.array(F64Array.class))), bits(pool.sum(a)));
        }
    }

    @Test
    void aJobWaitsForAWorkerToAttach() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).start();
                SharedArray a = ramp(dir, "x", 300_000)) {
            CompletableFuture<Double> sum = CompletableFuture.supplyAsync(() -> pool.sum(a));
            Thread.sleep(500);
            assertTrue(!sum.isDone(), "no worker yet");
            attach(pool.listenEndpoint());
            assertEquals(bits(Kernels.defaults().sum(a.array(F64Array.class))), bits(sum.get(60, TimeUnit.SECONDS)));
        }
    }

    @Test
    void withNoWorkerTheJobFailsAfterTheStartTimeout() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).startTimeout(Duration.ofSeconds(1)).start();
                SharedArray a = ramp(dir, "x", 10_000)) {
            PoolException e = assertThrows(PoolException.class, () -> pool.sum(a));
            assertTrue(e.getMessage().contains("no worker attached"), e.getMessage());
        }
    }

    /**
     * One worker leaves (killed) and another joins during one job; every task still counts once.
     * The first worker is stopped (SIGSTOP) before the job, so that the job waits on the frames it
     * holds however long the second takes to start; the pool here drops a silent worker only after
     * two minutes, so that the first is still there, stopped, when the second joins.
     */
    @Test
    void workersJoinAndLeaveDuringAJob() throws Exception {
        String key = "paralelo.zmq.timeoutMillis", was = System.getProperty(key);
        System.setProperty(key, "120000");
        WorkerPool made;
        try {
            made = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).taskElements(4096).batchSize(1)
                    .lease(Duration.ofSeconds(60)).start();
        } finally {
            if (was == null) System.clearProperty(key);
            else System.setProperty(key, was);
        }
        try (WorkerPool pool = made; SharedArray a = ramp(dir, "x", 1L << 23)) {
            double want = Kernels.defaults().sum(a.array(F64Array.class));
            Process first = attach(pool.listenEndpoint());
            assertTrue(Peers.await(() -> pool.liveWorkers() == 1, 30), "the first worker attached");
            assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(first.pid())).start().waitFor());
            CompletableFuture<Double> sum = CompletableFuture.supplyAsync(() -> pool.sum(a));
            attach(pool.listenEndpoint());
            assertTrue(Peers.await(() -> pool.liveWorkers() == 2, 30), "the second worker joined");
            assertTrue(!sum.isDone(), "the job waits on the stopped worker's frames");
            first.destroyForcibly();
            // the lease is a minute and the silence limit two: only the closed connection gives the first worker's tasks back
            assertEquals(bits(want), bits(sum.get(120, TimeUnit.SECONDS)), "after a worker left and one joined");
            assertTrue(pool.lastJob().reissued() > 0, "the tasks of the worker that left were sent again");
            assertTrue(Peers.await(() -> pool.liveWorkers() == 1, 30), "the killed worker is gone");
        }
    }

    /** A stopped (SIGSTOP) worker stays connected but silent: dropped after the timeout, its tasks go to the other. */
    @Test
    void aSilentWorkerIsDroppedAndItsTasksGoElsewhere() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of())
                        .taskElements(4096).batchSize(1).lease(Duration.ofSeconds(60)).start();
                SharedArray a = ramp(dir, "x", 1L << 23); Peers.Warnings w = new Peers.Warnings()) {
            double want = Kernels.defaults().sum(a.array(F64Array.class));
            Process one = attach(pool.listenEndpoint());
            attach(pool.listenEndpoint());
            assertTrue(Peers.await(() -> pool.liveWorkers() == 2, 30), "two workers attached");
            // stopped before the job (which a loaded machine could finish before a stop sent
            // during it): the pool gives frames to the worker that holds fewest, so this one
            // holds some when it is dropped
            assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(one.pid())).start().waitFor());
            CompletableFuture<Double> sum = CompletableFuture.supplyAsync(() -> pool.sum(a));
            try {
                assertEquals(bits(want), bits(sum.get(120, TimeUnit.SECONDS)));
                assertTrue(pool.lastJob().reissued() > 0, "the silent worker's tasks were sent again");
                assertEquals(1, pool.liveWorkers());
                assertEquals(1, w.count("silent for"), w.lines.toString());
            } finally {
                new ProcessBuilder("kill", "-CONT", Long.toString(one.pid())).start().waitFor();
            }
        }
    }

    @Test
    void attachedWorkersExitWhenThePoolCloses() throws Exception {
        Process p;
        try (WorkerPool pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).start()) {
            p = attach(pool.listenEndpoint());
            assertTrue(Peers.await(() -> pool.liveWorkers() == 1, 30), "attached");
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the worker exited");
        assertEquals(0, p.exitValue(), Peers.text(dir.resolve("workers.log")));
    }

    /**
     * Workers that vanished (kill -9) before the pool closes: close() works, without a warning
     * per worker (a send to each gone connection used to drop it from the map being walked).
     */
    @Test
    void closingAfterTheWorkersVanishedIsQuiet() throws Exception {
        try (Peers.Warnings w = new Peers.Warnings()) {
            w.quiet();
            WorkerPool pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).start();
            List<Process> ps = List.of(attach(pool.listenEndpoint()), attach(pool.listenEndpoint()), attach(pool.listenEndpoint()));
            assertTrue(Peers.await(() -> pool.liveWorkers() == 3, 30), "attached");
            for (Process p : ps) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            Thread.sleep(200); // the connections' ends are seen gone; the pool's heartbeat may not have noticed yet
            pool.close();
            // close() runs on this thread; the heartbeat's thread may drop a gone worker (with a warning) at any time before
            assertEquals(0, w.countMine("dropped worker"), w.lines.toString());
            assertEquals(0, w.count("closing the pool's transport"), w.lines.toString());
        }
    }

    @Test
    void aWorkerWithNoPoolGivesUpWithAMessage() throws Exception {
        Process p = attach("tcp://127.0.0.1:9", "--worker", "0"); // nothing listens on the discard port
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the worker gave up");
        assertEquals(3, p.exitValue());
        assertTrue(Peers.text(dir.resolve("workers.log")).contains("no word from the pool"), Peers.text(dir.resolve("workers.log")));
    }
}
