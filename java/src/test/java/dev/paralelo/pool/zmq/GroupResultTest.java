package dev.paralelo.pool.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.BlockRange;
import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import dev.paralelo.Partial;
import dev.paralelo.Reduction;
import dev.paralelo.SumMode;
import dev.paralelo.pool.Frames;
import dev.paralelo.pool.Hello;
import dev.paralelo.pool.PoolException;
import dev.paralelo.pool.Result;
import dev.paralelo.pool.Task;
import dev.paralelo.pool.WireFormat;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.shm.SharedArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GROUP results (one merged state for several tasks) from a hand-driven worker on a raw ZeroMQ
 * socket: a group is taken whole or not at all, so a group that overlaps a task already answered
 * sends its other tasks out again, and the sum keeps the in-process bits.
 */
class GroupResultTest {
    @TempDir
    Path dir;

    /** The thread that calls the pool while the test plays its worker (not the common pool, which the kernels use). */
    private final java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();

    @org.junit.jupiter.api.AfterEach
    void stopCaller() {
        caller.shutdownNow();
    }

    /** A worker that computes its answers in this process, as a Java worker would, on a worker's link (which beats and redials). */
    private static final class HandWorker implements AutoCloseable {
        final ZmqWorkerLink link;
        final F64Array x;

        /**
         * Says hello, then waits until the pool counts this worker and the link has heard the pool:
         * a link that dials again (on a loaded machine, the pool's first heartbeat may come late)
         * leaves the pool a dead connection to send a frame to, and the tasks would come back in
         * another order than the tests expect (CI met this once).
         */
        HandWorker(WorkerPool pool, F64Array x) throws InterruptedException {
            this.x = x;
            link = ZmqWorkerLink.connect(pool.listenEndpoint(), ZmqSecurity.PLAIN);
            send(Frames.encodeHello(new Hello(0, 1, ProcessHandle.current().pid())));
            // a dead first connection, if the link dialed again, is dropped at the pool's next heartbeat
            long end = System.nanoTime() + 30_000_000_000L;
            while (!link.heard() || pool.liveWorkers() != 1) {
                assertTrue(System.nanoTime() - end < 0, "within 30 s, the worker hears the pool and the pool counts one worker, not "
                        + pool.liveWorkers());
                Thread.sleep(10);
            }
        }

        void send(byte[] f) {
            assertTrue(link.send(f, 0, f.length, 5_000_000_000L), "sent");
        }

        /** The next TASKS frame. */
        Frames.TaskBatch tasks() {
            byte[] f = link.receive(30_000_000_000L);
            assertNotNull(f, "a TASKS frame within 30 s");
            assertEquals(WireFormat.TYPE_TASKS, Frames.type(f, f.length));
            return Frames.decodeTasks(f, f.length);
        }

        Partial state(Task t) {
            return state(t, Reduction.SUM);
        }

        Partial state(Task t, Reduction op) {
            return Kernels.defaults().withMode(SumMode.ofCode(t.mode())).partial(op, x, new BlockRange(t.start(), t.end()));
        }

        /** One OK result per task. */
        void answer(long job, List<Task> ts) {
            List<Result> rs = new ArrayList<>();
            for (Task t : ts) rs.add(new Result(t.id(), WireFormat.STATUS_OK, state(t).toBytes()));
            send(Frames.encodeResults(job, rs));
        }

        /** One GROUP result for the tasks (ids may be added), with their merged state. */
        void group(long job, List<Task> ts, long... extraIds) {
            group(job, ts, Reduction.SUM, extraIds);
        }

        /** One GROUP result for the tasks with their merged states of op (which may not be the job's). */
        void group(long job, List<Task> ts, Reduction op, long... extraIds) {
            List<Partial> states = new ArrayList<>();
            for (Task t : ts) states.add(state(t, op));
            long[] ids = new long[ts.size() + extraIds.length];
            for (int i = 0; i < ts.size(); i++) ids[i] = ts.get(i).id();
            System.arraycopy(extraIds, 0, ids, ts.size(), extraIds.length);
            send(Frames.encodeResults(job, List.of(Frames.group(ids, Partial.mergeAll(states).toPackedBytes()))));
        }

        @Override
        public void close() {
            link.close();
        }
    }

    /**
     * A pool with no workers of its own, listening on loopback, in one-block tasks, 4 to a frame,
     * with leases far longer than a test: on a loaded machine a 2 s lease may run out between
     * two steps, and its reissues would mix with the ones under test.
     */
    private static WorkerPool listening() throws java.io.IOException {
        return WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).taskElements(4096).batchSize(4)
                .lease(java.time.Duration.ofMinutes(10)).start();
    }

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    @Test
    void aGroupOverlappingAnAnsweredTaskSendsItsOtherTasksAgain() throws Exception {
        try (SharedArray a = ZmqPoolTest.ramp(dir, "x", 8 * 4096);
                WorkerPool p = listening();
                HandWorker w = new HandWorker(p, a.array(F64Array.class))) {
            CompletableFuture<Double> sum = CompletableFuture.supplyAsync(() -> p.sum(a), caller);
            Frames.TaskBatch first = w.tasks(), second = w.tasks();
            assertEquals(4, first.tasks().size());
            w.answer(first.job(), first.tasks().subList(0, 1)); // task 0 on its own
            w.group(first.job(), first.tasks()); // then a group that holds task 0 again: dropped whole
            w.group(second.job(), second.tasks()); // a fresh group: taken
            Frames.TaskBatch again = w.tasks(); // the first group's other three tasks, out again
            assertEquals(List.of(first.tasks().get(1).id(), first.tasks().get(2).id(), first.tasks().get(3).id()),
                    again.tasks().stream().map(Task::id).sorted().toList());
            w.group(again.job(), again.tasks());
            double got = sum.get(60, TimeUnit.SECONDS);
            assertEquals(bits(Kernels.defaults().sum(a.array(F64Array.class))), bits(got), "the in-process bits, each task once");
            assertTrue(p.lastJob().duplicates() >= 1 && p.lastJob().reissued() >= 3, p.lastJob().toString());
        }
    }

    /** A state of another kind than the job's (a min where a sum belongs) fails the job with PoolException, not a cast. */
    @Test
    void aGroupOfAnotherKindOfStateFailsTheJob() throws Exception {
        try (SharedArray a = ZmqPoolTest.ramp(dir, "x", 4 * 4096);
                WorkerPool p = listening();
                HandWorker w = new HandWorker(p, a.array(F64Array.class))) {
            CompletableFuture<Double> sum = CompletableFuture.supplyAsync(() -> p.sum(a), caller);
            Frames.TaskBatch f = w.tasks();
            w.group(f.job(), f.tasks(), Reduction.MIN);
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> sum.get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof PoolException && e.getCause().getMessage().contains("does not fit the job"),
                    String.valueOf(e.getCause()));
            // the pool goes on: a right answer to the next job gives the in-process bits
            CompletableFuture<Double> again = CompletableFuture.supplyAsync(() -> p.sum(a), caller);
            Frames.TaskBatch g = w.tasks();
            w.group(g.job(), g.tasks());
            assertEquals(bits(Kernels.defaults().sum(a.array(F64Array.class))), bits(again.get(60, TimeUnit.SECONDS)));
        }
    }

    @Test
    void aGroupNamingAnUnknownTaskFailsTheJob() throws Exception {
        try (SharedArray a = ZmqPoolTest.ramp(dir, "x", 4 * 4096);
                WorkerPool p = listening();
                HandWorker w = new HandWorker(p, a.array(F64Array.class))) {
            CompletableFuture<Double> sum = CompletableFuture.supplyAsync(() -> p.sum(a), caller);
            Frames.TaskBatch f = w.tasks();
            w.group(f.job(), f.tasks(), 99);
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> sum.get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof PoolException && e.getCause().getMessage().contains("unknown task 99"), String.valueOf(e.getCause()));
        }
    }
}
