package dev.paralelo.pool;

import static dev.paralelo.pool.WireFormat.KIND_PARTIAL;
import static dev.paralelo.pool.WireFormat.NO_ARRAY;
import static dev.paralelo.pool.WireFormat.STATUS_ARRAY;
import static dev.paralelo.pool.WireFormat.STATUS_GROUP;
import static dev.paralelo.pool.WireFormat.STATUS_OK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.BlockRange;
import dev.paralelo.DType;
import dev.paralelo.F64Array;
import dev.paralelo.Implementation;
import dev.paralelo.Kernels;
import dev.paralelo.Partial;
import dev.paralelo.Reduction;
import dev.paralelo.SumMode;
import dev.paralelo.shm.SharedArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java worker runs each run of adjacent tasks in a frame as one kernel call and answers with
 * the bits the tasks' own states would merge to: driven frame by frame over an in-memory link.
 */
class WorkerRunsTest {
    @TempDir
    Path dir;

    /** The worker's end of a link that hands it nothing and keeps what it sends. */
    private static final class Recorder implements WorkerLink {
        final List<byte[]> sent = new ArrayList<>();

        @Override
        public byte[] receive(long timeoutNanos) {
            return null;
        }

        @Override
        public boolean send(byte[] frame, int off, int len, long timeoutNanos) {
            sent.add(Arrays.copyOfRange(frame, off, off + len));
            return true;
        }

        @Override
        public int maxFrameBytes() {
            return 64 << 10;
        }

        @Override
        public boolean parentAlive() {
            return true;
        }

        @Override
        public void close() {}
    }

    private static Task sum(long id, int x, long start, long end, SumMode mode) {
        return new Task(id, KIND_PARTIAL, Reduction.SUM.code(), mode.code(), false, x, NO_ARRAY, NO_ARRAY, start, end, 0, 0.0);
    }

    /** The results of one frame of tasks, by task id (a GROUP under each of its members' ids). */
    private static Map<Long, Result> serve(Worker w, Recorder link, List<ArrayRef> arrays, List<Task> tasks) {
        link.sent.clear();
        w.serve(Frames.encodeTasks(7, arrays, tasks));
        Map<Long, Result> byId = new TreeMap<>();
        for (byte[] f : link.sent) {
            for (Result r : Frames.decodeResults(f, f.length).results()) {
                if (r.status() == STATUS_GROUP) {
                    for (long id : Frames.group(r).tasks()) byId.put(id, r);
                }
                byId.put(r.taskId(), r);
            }
        }
        return byId;
    }

    private static byte[] state(Result r) {
        return r.status() == STATUS_GROUP ? Frames.group(r).state() : r.payload();
    }

    /**
     * A frame that names a file without a .npy header as a slice output (whoever sent it: a pool
     * on loopback without CURVE is whoever bound the port first) is refused, and the file is left
     * as it was: a worker writes only into .npy arrays.
     */
    @Test
    void aWorkerWritesIntoNoFileButANpyArray() throws Exception {
        Path src = java.nio.file.Files.write(dir.resolve("src.f64"), new byte[64]);
        Path victim = dir.resolve("victim.txt");
        java.nio.file.Files.writeString(victim, "important line, 32 bytes long..\n");
        try (Recorder link = new Recorder(); Worker w = new Worker(link, 1, 1, Implementation.JAVA)) {
            List<ArrayRef> arrays = List.of(new ArrayRef(src.toString(), DType.F64, 8), new ArrayRef(victim.toString(), DType.F64, 4));
            Task slices = new Task(1, WireFormat.KIND_SLICES, dev.paralelo.SliceOp.SUM.code(), SumMode.ACCURATE.code(), false, 0,
                    NO_ARRAY, 1, 0, 4, 2, 0.0);
            Result r = serve(w, link, arrays, List.of(slices)).get(1L);
            assertEquals(STATUS_ARRAY, r.status());
            assertTrue(r.message().contains("victim.txt") && r.message().contains("writes only into .npy arrays"), r.message());
        }
        assertEquals("important line, 32 bytes long..\n", java.nio.file.Files.readString(victim));
    }

    @Test
    void adjacentTasksRunAsOneCallWithTheMergedBits() throws Exception {
        int blocks = 12;
        try (SharedArray a = SharedArray.create(dir.resolve("x.npy"), DType.F64, new long[] {blocks * 4096L + 100}, true,
                        v -> { F64Array x = (F64Array) v; for (int i = 0; i < x.length(); i++) x.set(i, Math.sin(i) * 1e-3 + i); });
                Recorder link = new Recorder(); Worker w = new Worker(link, 1, 1, Implementation.VECTOR)) {
            F64Array x = a.array(F64Array.class);
            List<ArrayRef> arrays = List.of(new ArrayRef(a.path().toString(), DType.F64, x.length()),
                    new ArrayRef(dir.resolve("missing.npy").toString(), DType.F64, 4096));
            Kernels k = Kernels.using(Implementation.SCALAR);
            // runs: [0, 4) accurate, [5, 7) accurate (a gap before it), [7, 9) fast (another mode), then the ragged end alone
            List<Task> tasks = new ArrayList<>();
            long id = 0;
            for (int b = 0; b < 4; b++) tasks.add(sum(id++, 0, b * 4096L, (b + 1) * 4096L, SumMode.ACCURATE));
            for (int b = 5; b < 7; b++) tasks.add(sum(id++, 0, b * 4096L, (b + 1) * 4096L, SumMode.ACCURATE));
            for (int b = 7; b < 9; b++) tasks.add(sum(id++, 0, b * 4096L, (b + 1) * 4096L, SumMode.FAST));
            tasks.add(sum(id++, 0, 12 * 4096L, x.length(), SumMode.ACCURATE));
            // a task that fails makes the frame answer run by run
            List<Task> frame = new ArrayList<>(tasks);
            frame.add(sum(id, 1, 0, 4096, SumMode.ACCURATE));
            Map<Long, Result> got = serve(w, link, arrays, frame);
            assertEquals(frame.size(), got.size(), "every task answered");
            assertEquals(STATUS_ARRAY, got.get(id).status());
            List<Partial> acc = new ArrayList<>(), fast = new ArrayList<>();
            for (Task t : tasks) {
                Partial p = k.withMode(SumMode.ofCode(t.mode())).partial(Reduction.SUM, x, new BlockRange(t.start(), t.end()));
                (t.mode() == SumMode.FAST.code() ? fast : acc).add(p);
            }
            assertEquals(STATUS_GROUP, got.get(0L).status(), "the first run is one group");
            assertEquals(4, Frames.group(got.get(0L)).tasks().length);
            assertArrayEquals(Partial.mergeAll(acc.subList(0, 4)).toPackedBytes(), state(got.get(0L)), "run [0, 4): the merged bits");
            assertArrayEquals(Partial.mergeAll(acc.subList(4, 6)).toPackedBytes(), state(got.get(4L)), "run [5, 7)");
            assertArrayEquals(Partial.mergeAll(fast).toPackedBytes(), state(got.get(6L)), "the fast run [7, 9)");
            assertEquals(STATUS_OK, got.get(8L).status(), "a run of one task answers alone");
            assertArrayEquals(acc.get(6).toPackedBytes(), state(got.get(8L)));

            // every task succeeds: the whole frame is one group, with the bits of every task's state merged
            List<Task> same = tasks.stream().filter(t -> t.mode() == SumMode.ACCURATE.code()).toList();
            got = serve(w, link, arrays, same);
            Result g = got.get(0L);
            assertEquals(STATUS_GROUP, g.status());
            assertEquals(same.size(), Frames.group(g).tasks().length);
            assertArrayEquals(Partial.mergeAll(acc).toPackedBytes(), state(g));
        }
    }

    @Test
    void aFailedRunAnswersEachOfItsTasksWithTheErrorAndTheOthersStillCount() throws Exception {
        try (SharedArray a = SharedArray.create(dir.resolve("x.npy"), DType.F64, new long[] {4 * 4096L}, true);
                Recorder link = new Recorder(); Worker w = new Worker(link, 1, 1, Implementation.VECTOR)) {
            List<ArrayRef> arrays = List.of(new ArrayRef(a.path().toString(), DType.F64, 4 * 4096L),
                    new ArrayRef(dir.resolve("missing.npy").toString(), DType.F64, 4 * 4096L));
            List<Task> tasks = List.of(sum(0, 0, 0, 4096, SumMode.ACCURATE), sum(1, 0, 4096, 8192, SumMode.ACCURATE),
                    sum(2, 1, 8192, 12288, SumMode.ACCURATE), sum(3, 1, 12288, 16384, SumMode.ACCURATE));
            Map<Long, Result> got = serve(w, link, arrays, tasks);
            assertEquals(STATUS_GROUP, got.get(0L).status(), "the run on the good array is one group");
            assertArrayEquals(new long[] {0, 1}, Frames.group(got.get(0L)).tasks());
            for (long id = 2; id < 4; id++) {
                Result r = got.get(id);
                assertEquals(STATUS_ARRAY, r.status(), "task " + id + " of the failed run");
                assertTrue(r.message().contains("missing.npy"), r.message());
            }
        }
    }

    @Test
    void tasksJoinOnlyWhenEverythingButTheirRangesAgrees() {
        Task a = sum(0, 0, 0, 4096, SumMode.ACCURATE);
        assertTrue(Worker.adjacent(a, sum(1, 0, 4096, 8192, SumMode.ACCURATE)));
        assertFalse(Worker.adjacent(a, sum(1, 0, 8192, 12288, SumMode.ACCURATE)), "a gap");
        assertFalse(Worker.adjacent(a, sum(1, 0, 0, 4096, SumMode.ACCURATE)), "the same range again");
        assertFalse(Worker.adjacent(a, sum(1, 1, 4096, 8192, SumMode.ACCURATE)), "another array");
        assertFalse(Worker.adjacent(a, sum(1, 0, 4096, 8192, SumMode.FAST)), "another mode");
        Task around = new Task(0, KIND_PARTIAL, Reduction.VARIANCE.code(), 0, true, 0, NO_ARRAY, NO_ARRAY, 0, 4096, 0, 1.5);
        assertFalse(Worker.adjacent(around, new Task(1, KIND_PARTIAL, Reduction.VARIANCE.code(), 0, true, 0, NO_ARRAY, NO_ARRAY, 4096, 8192,
                0, 2.5)), "another centre");
        assertFalse(Worker.adjacent(a, new Task(1, KIND_PARTIAL, Reduction.MIN.code(), 0, false, 0, NO_ARRAY, NO_ARRAY, 4096, 8192, 0, 0.0)),
                "another operation");
    }
}
