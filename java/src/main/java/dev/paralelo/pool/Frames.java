package dev.paralelo.pool;

import static dev.paralelo.pool.WireFormat.*;

import dev.paralelo.BlockPartition;
import dev.paralelo.DType;
import dev.paralelo.Reduction;
import dev.paralelo.SliceOp;
import dev.paralelo.SumMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes and decodes the frames of docs/PROTOCOL.md. Decoding trusts nothing: every length is
 * checked against the frame before it is used, every code against the known ones, every
 * reserved field against zero, and every task against the arrays it names; a bad frame raises
 * {@link ProtocolException} naming the field, and never allocates more than the frame's size.
 * There is no Java serialization and nothing on the decode path runs code named by the data.
 */
public final class Frames {
    private Frames() {}

    /**
     * A decoded TASKS frame.
     *
     * @param job the job id from the frame's header
     * @param arrays the array table, in order: a task's x, y and out index it
     * @param tasks the tasks, each checked against the arrays it names
     */
    public record TaskBatch(long job, List<ArrayRef> arrays, List<Task> tasks) {}

    /**
     * A decoded RESULTS frame.
     *
     * @param job the job id from the frame's header
     * @param results the results in frame order, payloads copied out of the frame
     */
    public record ResultBatch(long job, List<Result> results) {}

    /**
     * The tasks a {@link WireFormat#STATUS_GROUP} result answers, and their merged state.
     *
     * @param tasks the ids of every task it answers, the record's own first; distinct
     * @param state the encoding (plain or packed) of their partial states merged
     */
    public record Group(long[] tasks, byte[] state) {}

    /**
     * One result for several PARTIAL tasks of a frame (a worker merges their states, which
     * merge exactly, so only one travels). Its payload: members n (4 bytes), 0 (4 bytes), the
     * other n - 1 task ids (8 bytes each), then the merged state. The pool takes a group whole
     * or not at all: one of its tasks already answered makes the rest go out again.
     *
     * @param tasks the ids of the tasks it answers, at least 2, distinct; the record carries the first
     * @param state the encoding of their merged partial state
     * @return the result, of status {@link WireFormat#STATUS_GROUP}
     * @throws IllegalArgumentException if there are fewer than 2 tasks
     */
    public static Result group(long[] tasks, byte[] state) {
        if (tasks.length < 2) throw new IllegalArgumentException("a group answers at least 2 tasks, got " + tasks.length);
        ByteBuffer b = ByteBuffer.allocate(8 * tasks.length + state.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(tasks.length).putInt(0);
        for (int i = 1; i < tasks.length; i++) b.putLong(tasks[i]);
        b.put(state);
        return new Result(tasks[0], STATUS_GROUP, b.array());
    }

    /**
     * The tasks and state of a {@link WireFormat#STATUS_GROUP} result, checked.
     *
     * @param r a result of status {@link WireFormat#STATUS_GROUP}
     * @return its task ids (the record's first) and its state's bytes
     * @throws ProtocolException if the payload is not a group: fewer than 2 members, a nonzero
     *     reserved field, ids past the payload or repeated, or no state after them
     */
    public static Group group(Result r) {
        if (r.status() != STATUS_GROUP) throw new ProtocolException("result of task " + r.taskId() + ": status " + r.status() + " is no group");
        ByteBuffer b = ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN);
        String f = "group of task " + r.taskId();
        if (b.remaining() < 8) throw new ProtocolException(f + ": payload of " + b.remaining() + " bytes, the group header takes 8");
        long n = Integer.toUnsignedLong(b.getInt());
        zero(b.getInt(), f + ": reserved");
        if (n < 2) throw new ProtocolException(f + ": " + n + " members, a group has at least 2");
        if (8 * (n - 1) >= b.remaining()) {
            throw new ProtocolException(f + ": " + n + " members and a state cannot fit in " + (b.remaining() + 8) + " bytes");
        }
        long[] ids = new long[(int) n];
        ids[0] = r.taskId();
        boolean rising = true; // a worker lists a run of tasks in order: no repeat, nothing to sort
        for (int i = 1; i < n; i++) {
            ids[i] = b.getLong();
            rising &= ids[i] > ids[i - 1];
        }
        if (!rising) {
            long[] sorted = ids.clone();
            Arrays.sort(sorted);
            for (int i = 1; i < n; i++) {
                if (sorted[i] == sorted[i - 1]) throw new ProtocolException(f + ": task " + sorted[i] + " appears twice");
            }
        }
        byte[] state = new byte[b.remaining()];
        b.get(state);
        return new Group(ids, state);
    }

    // ---- encoding -----------------------------------------------------------------------------

    /**
     * The encoded length of a TASKS frame over these arrays with n tasks.
     *
     * @param arrays the array table; each entry takes 16 bytes and its UTF-8 path padded to 8
     * @param n the number of tasks, {@link WireFormat#TASK_LENGTH} bytes each
     * @return the frame's length in bytes, header included
     * @throws IllegalArgumentException if the frame would pass 2^31 - 1 bytes
     */
    public static int tasksLength(List<ArrayRef> arrays, int n) {
        long len = HEADER_LENGTH + 8L;
        for (ArrayRef a : arrays) len += 16 + pad8(utf8(a.path()).length);
        len += (long) n * TASK_LENGTH;
        if (len > Integer.MAX_VALUE) throw new IllegalArgumentException("frame too large: " + len + " bytes");
        return (int) len;
    }

    /**
     * A TASKS frame. IllegalArgumentException if arrays or tasks are out of the format's range.
     *
     * @param job the job id, echoed by the worker's RESULTS
     * @param arrays the arrays the tasks name, 1 to {@link WireFormat#MAX_ARRAYS}, each path at
     *     most {@link WireFormat#MAX_PATH_BYTES} bytes of UTF-8
     * @param tasks the tasks, written in order
     * @return the frame, exactly {@link #tasksLength} bytes
     */
    public static byte[] encodeTasks(long job, List<ArrayRef> arrays, List<Task> tasks) {
        if (arrays.isEmpty() || arrays.size() > MAX_ARRAYS) {
            throw new IllegalArgumentException("a TASKS frame names 1 to " + MAX_ARRAYS + " arrays, not " + arrays.size());
        }
        ByteBuffer b = header(tasksLength(arrays, tasks.size()), TYPE_TASKS, tasks.size(), job);
        b.putShort((short) arrays.size()).putShort((short) 0).putInt(0);
        for (ArrayRef a : arrays) {
            byte[] p = utf8(a.path());
            if (p.length > MAX_PATH_BYTES) {
                throw new IllegalArgumentException("array path longer than " + MAX_PATH_BYTES + " bytes: " + a.path());
            }
            b.put((byte) a.dtype().code()).put((byte) 0).putShort((short) p.length).putInt(0).putLong(a.length());
            b.put(p);
            b.position(b.position() + pad8(p.length) - p.length);
        }
        for (Task t : tasks) {
            b.putLong(t.id()).put((byte) t.kind()).put((byte) t.op()).put((byte) t.mode()).put((byte) (t.around() ? 1 : 0));
            b.putShort((short) t.x()).putShort((short) t.y()).putShort((short) t.out()).putShort((short) 0).putInt(0);
            b.putLong(t.start()).putLong(t.end()).putLong(t.k()).putDouble(t.center()).putLong(0);
        }
        return b.array();
    }

    /**
     * The encoded length of a RESULT record with a payload of n bytes.
     *
     * @param payloadBytes the payload's length in bytes
     * @return the record's length: its header plus the payload padded to a multiple of 8
     */
    public static int resultLength(int payloadBytes) {
        return RESULT_HEADER_LENGTH + pad8(payloadBytes);
    }

    /**
     * A RESULTS frame.
     *
     * @param job the job id of the TASKS frame these results answer
     * @param results the results, written in order
     * @return the frame, header included
     * @throws IllegalArgumentException if the frame would pass 2^31 - 1 bytes
     */
    public static byte[] encodeResults(long job, List<Result> results) {
        long len = HEADER_LENGTH;
        for (Result r : results) len += resultLength(r.payload().length);
        if (len > Integer.MAX_VALUE) throw new IllegalArgumentException("frame too large: " + len + " bytes");
        ByteBuffer b = header((int) len, TYPE_RESULTS, results.size(), job);
        for (Result r : results) {
            b.putLong(r.taskId()).putInt(r.status()).putInt(r.payload().length).put(r.payload());
            b.position(b.position() + pad8(r.payload().length) - r.payload().length);
        }
        return b.array();
    }

    /**
     * A HELLO frame.
     *
     * @param h the worker's greeting
     * @return the frame: the header (job 0, count 1) and the hello record
     */
    public static byte[] encodeHello(Hello h) {
        ByteBuffer b = header(HEADER_LENGTH + HELLO_LENGTH, TYPE_HELLO, 1, 0);
        b.putInt(h.worker()).putInt(h.threads()).putLong(h.pid()).putLong(h.declines());
        return b.array();
    }

    private static ByteBuffer header(int length, int type, int count, long job) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putShort((short) VERSION).putShort((short) type).putInt(length).putInt(count).putLong(job);
        return b;
    }

    // ---- decoding -----------------------------------------------------------------------------

    /**
     * The type of the frame in frame[0, len), after checking its header: magic, version, a known
     * type, and a length field equal to len.
     *
     * @param frame the buffer holding the frame
     * @param len the frame's length, the valid bytes at the start of frame
     * @return {@link WireFormat#TYPE_TASKS}, {@link WireFormat#TYPE_RESULTS} or
     *     {@link WireFormat#TYPE_HELLO}
     * @throws ProtocolException if frame is null, len is outside it, or the header is wrong
     */
    public static int type(byte[] frame, int len) {
        ByteBuffer b = wrap(frame, len);
        if (len < HEADER_LENGTH) throw new ProtocolException("frame: truncated header, " + len + " of " + HEADER_LENGTH + " bytes");
        int magic = b.getInt(MAGIC_OFFSET);
        if (magic != MAGIC) throw new ProtocolException("frame: wrong magic 0x" + Integer.toHexString(magic) + " (not a Paralelo frame)");
        int version = Short.toUnsignedInt(b.getShort(VERSION_OFFSET));
        if (version != VERSION) throw new ProtocolException("frame: version " + version + " (this side reads version " + VERSION + ")");
        int type = Short.toUnsignedInt(b.getShort(TYPE_OFFSET));
        if (type != TYPE_TASKS && type != TYPE_RESULTS && type != TYPE_HELLO) {
            throw new ProtocolException("frame: unknown type " + type);
        }
        long declared = Integer.toUnsignedLong(b.getInt(LENGTH_OFFSET));
        if (declared != len) throw new ProtocolException("frame: length field " + declared + " but the frame has " + len + " bytes");
        return type;
    }

    /**
     * The job id of a frame whose header {@link #type} accepted.
     *
     * @param frame the frame
     * @return the job id field of its header
     */
    public static long job(byte[] frame) {
        return ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).getLong(JOB_OFFSET);
    }

    /**
     * Decodes and checks a TASKS frame (see the class comment).
     *
     * @param frame the buffer holding the frame
     * @param len the frame's length, the valid bytes at the start of frame
     * @return the job id, the array table and the tasks
     * @throws ProtocolException naming the first field that is wrong
     */
    public static TaskBatch decodeTasks(byte[] frame, int len) {
        expect(frame, len, TYPE_TASKS);
        ByteBuffer b = body(frame, len);
        long count = Integer.toUnsignedLong(b.getInt(COUNT_OFFSET));
        long job = b.getLong(JOB_OFFSET);
        need(b, 8, "array table");
        int arrayCount = Short.toUnsignedInt(b.getShort());
        zero(b.getShort(), "array table: reserved");
        zero(b.getInt(), "array table: reserved");
        if (arrayCount < 1 || arrayCount > MAX_ARRAYS) {
            throw new ProtocolException("array table: " + arrayCount + " arrays (1 to " + MAX_ARRAYS + ")");
        }
        List<ArrayRef> arrays = new ArrayList<>(arrayCount);
        for (int i = 0; i < arrayCount; i++) {
            String f = "array " + i;
            need(b, 16, f);
            int code = Byte.toUnsignedInt(b.get());
            DType dtype = dtype(code, f);
            zero(b.get(), f + ": reserved");
            int pathLen = Short.toUnsignedInt(b.getShort());
            zero(b.getInt(), f + ": reserved");
            long length = b.getLong();
            if (length < 0 || length > BlockPartition.MAX_ELEMENTS) throw new ProtocolException(f + ": length " + Long.toUnsignedString(length));
            if (pathLen == 0 || pathLen > MAX_PATH_BYTES) throw new ProtocolException(f + ": path length " + pathLen + " (1 to " + MAX_PATH_BYTES + ")");
            need(b, pad8(pathLen), f + ": path");
            String path = text(b, pathLen, f + ": path");
            if (path.indexOf('\0') >= 0) throw new ProtocolException(f + ": path holds a NUL byte");
            for (int p = pathLen; p < pad8(pathLen); p++) zero(b.get(), f + ": padding");
            arrays.add(new ArrayRef(path, dtype, length));
        }
        if (count * TASK_LENGTH != b.remaining()) {
            throw new ProtocolException("frame: " + count + " tasks need " + count * TASK_LENGTH + " bytes after the array table, "
                    + "but " + b.remaining() + " remain");
        }
        List<Task> tasks = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) tasks.add(task(b, i, arrays));
        return new TaskBatch(job, List.copyOf(arrays), List.copyOf(tasks));
    }

    private static Task task(ByteBuffer b, int i, List<ArrayRef> arrays) {
        long id = b.getLong();
        int kind = Byte.toUnsignedInt(b.get()), op = Byte.toUnsignedInt(b.get()), mode = Byte.toUnsignedInt(b.get());
        int flags = Byte.toUnsignedInt(b.get());
        int x = Short.toUnsignedInt(b.getShort()), y = Short.toUnsignedInt(b.getShort()), out = Short.toUnsignedInt(b.getShort());
        zero(b.getShort(), "task", i, "reserved");
        zero(b.getInt(), "task", i, "reserved");
        long start = b.getLong(), end = b.getLong(), k = b.getLong();
        double center = b.getDouble();
        zero(b.getLong(), "task", i, "reserved");
        if (flags > 1) throw new ProtocolException(task(i) + ": unknown flags 0x" + Integer.toHexString(flags));
        boolean around = flags == 1;
        try {
            SumMode.ofCode(mode);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(task(i) + ": unknown mode " + mode);
        }
        ArrayRef xa = array(arrays, x, i, "x");
        if (kind == KIND_PARTIAL) {
            Reduction r = reduction(op, i);
            if (out != NO_ARRAY) throw new ProtocolException(task(i) + ": a partial has no output array, but out is " + out);
            if (r == Reduction.DOT) {
                ArrayRef ya = array(arrays, y, i, "y");
                if (ya.dtype() != xa.dtype() || ya.length() != xa.length()) {
                    throw new ProtocolException(task(i) + ": y (" + ya.dtype().label() + ", " + ya.length() + ") does not match x ("
                            + xa.dtype().label() + ", " + xa.length() + ")");
                }
            } else if (y != NO_ARRAY) {
                throw new ProtocolException(task(i) + ": " + r + " takes one array, but y is " + y);
            }
            boolean twoPhase = r == Reduction.VARIANCE && xa.dtype().isFloat();
            if (around != twoPhase) {
                throw new ProtocolException(task(i) + (around ? ": only a float variance takes a centre" : ": a float variance needs its centre"));
            }
            if (!around && Double.doubleToRawLongBits(center) != 0) throw new ProtocolException(task(i) + ": centre must be 0 without the flag");
            if (start < 0 || end < start || end > xa.length()) {
                throw new ProtocolException(task(i) + ": range [" + start + ", " + end + ") outside the " + xa.length() + " elements of x");
            }
            if (start % BlockPartition.BLOCK != 0 || (end % BlockPartition.BLOCK != 0 && end != xa.length())) {
                throw new ProtocolException(task(i) + ": range [" + start + ", " + end + ") is not block-aligned");
            }
            if (k != 0) throw new ProtocolException(task(i) + ": a partial has no slice length, but k is " + k);
        } else if (kind == KIND_SLICES) {
            SliceOp s;
            try {
                s = SliceOp.ofCode(op);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(task(i) + ": unknown slice kernel " + op);
            }
            if (y != NO_ARRAY) throw new ProtocolException(task(i) + ": slices take one input, but y is " + y);
            if (around) throw new ProtocolException(task(i) + ": slices take no centre");
            if (Double.doubleToRawLongBits(center) != 0) throw new ProtocolException(task(i) + ": centre must be 0 without the flag");
            ArrayRef oa = array(arrays, out, i, "out");
            if (k < 1) throw new ProtocolException(task(i) + ": slice length " + k);
            long m = xa.length() / k + (xa.length() % k != 0 ? 1 : 0);
            if (oa.length() != m || oa.dtype() != s.outputType(xa.dtype())) {
                throw new ProtocolException(task(i) + ": out (" + oa.dtype().label() + ", " + oa.length() + ") cannot hold the " + m + " "
                        + s.outputType(xa.dtype()).label() + " results");
            }
            if (start < 0 || end < start || end > m) {
                throw new ProtocolException(task(i) + ": slices [" + start + ", " + end + ") outside the " + m + " slices");
            }
            if (oa.path().equals(xa.path())) throw new ProtocolException(task(i) + ": out is x");
        } else {
            throw new ProtocolException(task(i) + ": unknown kind " + kind);
        }
        return new Task(id, kind, op, mode, around, x, y, out, start, end, k, center);
    }

    /**
     * Decodes and checks a RESULTS frame; payloads are copied out of the frame.
     *
     * @param frame the buffer holding the frame
     * @param len the frame's length, the valid bytes at the start of frame
     * @return the job id and the results
     * @throws ProtocolException naming the first field that is wrong
     */
    public static ResultBatch decodeResults(byte[] frame, int len) {
        expect(frame, len, TYPE_RESULTS);
        ByteBuffer b = body(frame, len);
        long count = Integer.toUnsignedLong(b.getInt(COUNT_OFFSET));
        if (count * RESULT_HEADER_LENGTH > b.remaining()) {
            throw new ProtocolException("frame: " + count + " results cannot fit in " + b.remaining() + " bytes");
        }
        List<Result> results = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            if (RESULT_HEADER_LENGTH > b.remaining()) need(b, RESULT_HEADER_LENGTH, "result " + i);
            long id = b.getLong();
            int status = b.getInt();
            if (status < STATUS_OK || status > STATUS_GROUP) throw new ProtocolException("result " + i + ": unknown status " + status);
            long plen = Integer.toUnsignedLong(b.getInt());
            if (plen > b.remaining() || pad8((int) plen) > b.remaining()) {
                throw new ProtocolException("result " + i + ": payload of " + plen + " bytes, but " + b.remaining() + " remain");
            }
            byte[] payload = new byte[(int) plen];
            b.get(payload);
            for (int p = (int) plen; p < pad8((int) plen); p++) zero(b.get(), "result", i, "padding");
            Result r = new Result(id, status, payload);
            if (status == STATUS_GROUP) group(r); // checked here, so that no reader meets a bad group
            results.add(r);
        }
        if (b.hasRemaining()) throw new ProtocolException("frame: " + b.remaining() + " bytes after the last result");
        return new ResultBatch(b.getLong(JOB_OFFSET), List.copyOf(results));
    }

    /**
     * Decodes and checks a HELLO frame.
     *
     * @param frame the buffer holding the frame
     * @param len the frame's length, the valid bytes at the start of frame
     * @return the worker's index, thread count and pid
     * @throws ProtocolException naming the first field that is wrong (a worker index below 0, no
     *     threads, a pid of 0 or less, a non-zero job or reserved field)
     */
    public static Hello decodeHello(byte[] frame, int len) {
        expect(frame, len, TYPE_HELLO);
        ByteBuffer b = body(frame, len);
        if (b.remaining() != HELLO_LENGTH) throw new ProtocolException("hello: " + b.remaining() + " bytes, not " + HELLO_LENGTH);
        if (b.getInt(COUNT_OFFSET) != 1) throw new ProtocolException("hello: count " + b.getInt(COUNT_OFFSET) + ", not 1");
        zero(b.getLong(JOB_OFFSET), "hello: job");
        int worker = b.getInt(), threads = b.getInt();
        long pid = b.getLong();
        long declines = b.getLong();
        if (worker < 0 || threads < 1 || pid <= 0) {
            throw new ProtocolException("hello: worker " + worker + ", threads " + threads + ", pid " + pid);
        }
        if ((declines & ~DECLINE_KNOWN) != 0) throw new ProtocolException("hello: unknown declines bits 0x" + Long.toHexString(declines));
        return new Hello(worker, threads, pid, declines);
    }

    /**
     * What running every task of batch takes, as HELLO's declines bits: each task's mode, kind,
     * input type and (PARTIAL) reduction. A worker can take the batch when
     * {@link Hello#accepts} it.
     *
     * @param batch a decoded TASKS frame
     * @return the union of the DECLINE bits its tasks need; 0 only for a batch without tasks
     */
    public static long needs(TaskBatch batch) {
        long needs = 0;
        for (Task t : batch.tasks()) {
            needs |= 1L << (DECLINE_MODE_SHIFT + t.mode());
            needs |= 1L << (DECLINE_KIND_SHIFT + t.kind() - 1);
            needs |= 1L << (DECLINE_DTYPE_SHIFT + batch.arrays().get(t.x()).dtype().code());
            if (t.kind() == KIND_PARTIAL) needs |= 1L << (DECLINE_OP_SHIFT + t.op());
        }
        return needs;
    }

    // ---- checks -------------------------------------------------------------------------------

    private static void expect(byte[] frame, int len, int want) {
        int type = type(frame, len);
        if (type != want) throw new ProtocolException("frame: type " + type + " where type " + want + " was expected");
    }

    private static ByteBuffer wrap(byte[] frame, int len) {
        if (frame == null) throw new ProtocolException("frame: null");
        if (len < 0 || len > frame.length) throw new ProtocolException("frame: length " + len + " outside a buffer of " + frame.length);
        return ByteBuffer.wrap(frame, 0, len).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer body(byte[] frame, int len) {
        return wrap(frame, len).position(HEADER_LENGTH);
    }

    private static void need(ByteBuffer b, long bytes, String field) {
        if (bytes > b.remaining()) throw new ProtocolException(field + ": truncated, needs " + bytes + " bytes, " + b.remaining() + " remain");
    }

    private static void zero(long v, String field) {
        if (v != 0) throw new ProtocolException(field + " must be 0, is " + v);
    }

    /**
     * {@link #zero(long, String)} of field of entry i of a list (a task, a result): the name is
     * built only for the exception, not for each of the thousands of fields a frame checks.
     */
    private static void zero(long v, String list, int i, String field) {
        if (v != 0) throw new ProtocolException(list + " " + i + ": " + field + " must be 0, is " + v);
    }

    private static String task(int i) {
        return "task " + i;
    }

    private static DType dtype(int code, String field) {
        try {
            return DType.ofCode(code);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(field + ": unknown element type " + code);
        }
    }

    private static Reduction reduction(int op, int task) {
        try {
            return Reduction.ofCode(op);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(task(task) + ": unknown kernel " + op);
        }
    }

    private static ArrayRef array(List<ArrayRef> arrays, int index, int task, String field) {
        if (index >= arrays.size()) {
            throw new ProtocolException(task(task) + ": " + field + ": array index " + index + " but the table has " + arrays.size());
        }
        return arrays.get(index);
    }

    private static String text(ByteBuffer b, int len, String field) {
        ByteBuffer s = b.slice(b.position(), len);
        b.position(b.position() + len);
        try {
            CharBuffer c = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(s);
            return c.toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(field + ": not UTF-8");
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int pad8(int n) {
        return (n + 7) & ~7;
    }
}
