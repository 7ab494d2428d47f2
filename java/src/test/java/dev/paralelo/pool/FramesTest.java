package dev.paralelo.pool;

import static dev.paralelo.pool.WireFormat.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.ExactSum;
import dev.paralelo.Reduction;
import dev.paralelo.SliceOp;
import dev.paralelo.SumMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire format of docs/PROTOCOL.md: round trips, the exact bytes, and each rejection. */
class FramesTest {
    static final ArrayRef X = new ArrayRef("/dev/shm/x.npy", DType.F64, 100_000);
    static final ArrayRef Y = new ArrayRef("/dev/shm/y.npy", DType.F64, 100_000);
    static final ArrayRef OUT = new ArrayRef("/dev/shm/o.npy", DType.F64, 25);

    static Task partial(long id, Reduction op, long start, long end) {
        return new Task(id, KIND_PARTIAL, op.code(), SumMode.ACCURATE.code(), false, 0, NO_ARRAY, NO_ARRAY, start, end, 0, 0.0);
    }

    static byte[] sample() {
        return Frames.encodeTasks(7, List.of(X, Y, OUT), List.of(
                partial(0, Reduction.SUM, 0, 4096),
                new Task(1, KIND_PARTIAL, Reduction.DOT.code(), SumMode.FAST.code(), false, 0, 1, NO_ARRAY, 4096, 100_000, 0, 0.0),
                new Task(2, KIND_PARTIAL, Reduction.VARIANCE.code(), 0, true, 1, NO_ARRAY, NO_ARRAY, 0, 8192, 0, 1.5),
                new Task(3, KIND_SLICES, SliceOp.MAX.code(), 0, false, 0, NO_ARRAY, 2, 3, 25, 4000, 0.0)));
    }

    @Test
    void tasksRoundTrip() {
        byte[] f = sample();
        assertEquals(TYPE_TASKS, Frames.type(f, f.length));
        Frames.TaskBatch b = Frames.decodeTasks(f, f.length);
        assertEquals(7, b.job());
        assertEquals(List.of(X, Y, OUT), b.arrays());
        assertEquals(4, b.tasks().size());
        assertEquals(new Task(2, KIND_PARTIAL, Reduction.VARIANCE.code(), 0, true, 1, NO_ARRAY, NO_ARRAY, 0, 8192, 0, 1.5), b.tasks().get(2));
        assertArrayEquals(f, Frames.encodeTasks(b.job(), b.arrays(), b.tasks()));
    }

    /** The header's bytes, as docs/PROTOCOL.md draws them. */
    @Test
    void headerBytes() {
        byte[] f = Frames.encodeHello(new Hello(3, 2, 12345));
        assertArrayEquals(new byte[] {'P', 'L', 'W', 'F', 1, 0, 3, 0, 48, 0, 0, 0, 1, 0, 0, 0}, Arrays.copyOf(f, 16));
        assertEquals(new Hello(3, 2, 12345), Frames.decodeHello(f, f.length));
        // the first array entry of a TASKS frame: dtype, reserved, path length, reserved, length, path padded
        byte[] t = Frames.encodeTasks(1, List.of(new ArrayRef("/a", DType.I32, 5)), List.of());
        ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(HEADER_LENGTH + 8 + 16 + 8, t.length);
        assertEquals(1, b.getShort(24));
        assertEquals(DType.I32.code(), b.get(32));
        assertEquals(2, b.getShort(34));
        assertEquals(5, b.getLong(40));
        assertEquals('/', b.get(48));
        assertEquals('a', b.get(49));
    }

    @Test
    void resultsRoundTrip() {
        byte[] state = ExactSum.of(1.5, 2.25).toBytes();
        byte[] f = Frames.encodeResults(9, List.of(new Result(4, STATUS_OK, state), Result.error(5, STATUS_ARRAY, "gone")));
        Frames.ResultBatch r = Frames.decodeResults(f, f.length);
        assertEquals(9, r.job());
        assertArrayEquals(state, r.results().get(0).payload());
        assertEquals("gone", r.results().get(1).message());
        assertEquals(STATUS_ARRAY, r.results().get(1).status());
    }

    @Test
    void aGroupAnswersSeveralTasksWithOneState() {
        byte[] state = ExactSum.of(1.5, 2.25).toPackedBytes();
        Result g = Frames.group(new long[] {7, 3, 9}, state);
        assertEquals(7, g.taskId());
        assertEquals(STATUS_GROUP, g.status());
        byte[] f = Frames.encodeResults(2, List.of(g, new Result(11, STATUS_OK, state)));
        Frames.ResultBatch r = Frames.decodeResults(f, f.length);
        Frames.Group back = Frames.group(r.results().get(0));
        assertArrayEquals(new long[] {7, 3, 9}, back.tasks());
        assertArrayEquals(state, back.state());
        assertThrows(IllegalArgumentException.class, () -> Frames.group(new long[] {7}, state), "a group of one");
        assertThrows(ProtocolException.class, () -> Frames.group(r.results().get(1)), "an OK result is no group");
        // a bad group fails the whole frame, naming what is wrong (record 0's payload starts at 40)
        int at = HEADER_LENGTH + RESULT_HEADER_LENGTH;
        badSays(with(f, at, 1, 4), "group of task 7: 1 members");
        badSays(with(f, at, 1000, 4), "1000 members and a state cannot fit");
        badSays(with(f, at + 4, 5, 4), "group of task 7: reserved must be 0");
        badSays(with(f, at + 8, 7, 4), "task 7 appears twice");
        badSays(with(f, at + 16, 3, 4), "task 3 appears twice"); // 7, 3, 3: a repeat that is not the first id
        badSays(with(with(f, at + 8, 8, 4), at + 16, 8, 4), "task 8 appears twice"); // 7, 8, 8: rising, then a repeat
        byte[] noState = Frames.encodeResults(2, List.of(new Result(7, STATUS_GROUP, Arrays.copyOf(g.payload(), 24))));
        badSays(noState, "3 members and a state cannot fit in 24 bytes");
        byte[] tiny = Frames.encodeResults(2, List.of(new Result(7, STATUS_GROUP, new byte[4])));
        badSays(tiny, "payload of 4 bytes, the group header takes 8");
    }

    private static ProtocolException bad(byte[] f) {
        return assertThrows(ProtocolException.class, () -> {
            int type = Frames.type(f, f.length);
            if (type == TYPE_TASKS) Frames.decodeTasks(f, f.length);
            else if (type == TYPE_RESULTS) Frames.decodeResults(f, f.length);
            else Frames.decodeHello(f, f.length);
        });
    }

    private static void badSays(byte[] f, String words) {
        String m = bad(f).getMessage();
        assertTrue(m.contains(words), "'" + m + "' should say '" + words + "'");
    }

    private static byte[] with(byte[] f, int offset, int value, int size) {
        byte[] c = f.clone();
        ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
        switch (size) {
            case 1 -> b.put(offset, (byte) value);
            case 2 -> b.putShort(offset, (short) value);
            default -> b.putInt(offset, value);
        }
        return c;
    }

    /** Offset of task i's record in the sample frame. */
    private static int taskAt(int i) {
        byte[] f = sample();
        return f.length - (4 - i) * TASK_LENGTH;
    }

    @Test
    void everyBadFieldIsNamed() {
        byte[] f = sample();
        badSays(with(f, 0, 0x12345678, 4), "wrong magic");
        badSays(with(f, 4, 2, 2), "version 2");
        badSays(with(f, 6, 9, 2), "unknown type 9");
        badSays(with(f, 8, f.length + 8, 4), "length field");
        badSays(Arrays.copyOf(f, 10), "truncated header");
        badSays(Arrays.copyOf(f, f.length - 1), "length field");
        badSays(withLength(Arrays.copyOf(f, f.length - 8)), "tasks need");
        badSays(with(f, 12, 1000, 4), "1000 tasks");
        badSays(with(f, 24, 0, 2), "0 arrays");
        badSays(with(f, 32, 9, 1), "array 0: unknown element type 9");
        badSays(with(f, 34, 5000, 2), "array 0: path length 5000");
        badSays(with(f, 34, 4000, 2), "array 0: path: truncated");
        badSays(with(f, 48, 0xFF, 1), "array 0: path: not UTF-8");
        badSays(with(f, 48, 0, 1), "array 0: path holds a NUL");
        int t0 = taskAt(0), t1 = taskAt(1), t2 = taskAt(2), t3 = taskAt(3);
        badSays(with(f, t0 + 8, 7, 1), "task 0: unknown kind 7");
        badSays(with(f, t0 + 9, 99, 1), "task 0: unknown kernel 99");
        badSays(with(f, t0 + 10, 5, 1), "task 0: unknown mode 5");
        badSays(with(f, t0 + 11, 4, 1), "task 0: unknown flags");
        badSays(with(f, t0 + 12, 3, 2), "task 0: x: array index 3");
        badSays(with(f, t0 + 14, 1, 2), "task 0: SUM takes one array");
        badSays(with(f, t1 + 14, NO_ARRAY, 2), "task 1: y: array index 65535");
        badSays(with(f, t1 + 14, 2, 2), "task 1: y (f64, 25) does not match");
        badSays(with(f, t0 + 16, 2, 2), "task 0: a partial has no output");
        badSays(with(f, t0 + 18, 1, 2), "task 0: reserved must be 0");
        badSays(with(f, t0 + 32, 200_000, 4), "task 0: range [0, 200000) outside");
        badSays(with(f, t0 + 32, 100, 4), "not block-aligned");
        badSays(with(f, t0 + 24, 8192, 4), "task 0: range [8192, 4096)");
        badSays(with(f, t0 + 40, 3, 4), "task 0: a partial has no slice length");
        badSays(with(f, t0 + 11, 1, 1), "task 0: only a float variance takes a centre");
        badSays(with(f, t2 + 11, 0, 1), "task 2: a float variance needs its centre");
        badSays(with(f, t3 + 9, 77, 1), "task 3: unknown slice kernel 77");
        badSays(with(f, t3 + 16, 1, 2), "task 3: out (f64, 100000) cannot hold");
        badSays(with(f, t3 + 40, 0, 4), "task 3: slice length 0");
        badSays(with(f, t3 + 32, 26, 4), "task 3: slices [3, 26) outside the 25 slices");
        badSays(with(f, t3 + 14, 1, 2), "task 3: slices take one input");
        badSays(with(f, t3 + 52, 0x3FF0_0000, 4), "task 3: centre must be 0 without the flag"); // 1.0 in the centre of a slice task
        badSays(with(f, t0 + 52, 0x8000_0000, 4), "task 0: centre must be 0 without the flag"); // -0.0: the bits, not the value
    }

    private static byte[] withLength(byte[] f) {
        return with(f, 8, f.length, 4);
    }

    @Test
    void badResultsAndHellos() {
        byte[] f = Frames.encodeResults(1, List.of(new Result(4, STATUS_OK, new byte[] {1, 2, 3})));
        badSays(with(f, 32, 9, 4), "result 0: unknown status 9");
        badSays(with(f, 36, 1000, 4), "result 0: payload of 1000 bytes");
        badSays(with(f, 12, 2, 4), "2 results cannot fit");
        badSays(with(f, 12, 100, 4), "100 results cannot fit");
        badSays(with(f, 43, 1, 1), "result 0: padding must be 0");
        byte[] h = Frames.encodeHello(new Hello(0, 1, 5));
        badSays(with(h, 28, 0, 4), "hello: worker 0, threads 0");
        badSays(with(h, 12, 2, 4), "hello: count 2");
        assertThrows(ProtocolException.class, () -> Frames.decodeResults(h, h.length));
    }

    @Test
    void encoderRefusesWhatTheFormatCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Frames.encodeTasks(1, List.of(), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> Frames.encodeTasks(1, List.of(new ArrayRef("/" + "a".repeat(5000), DType.F64, 1)), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ArrayRef("", DType.F64, 1));
        assertThrows(IllegalArgumentException.class, () -> new ArrayRef("/a", DType.F64, -1));
    }
}
