package dev.paralelo.pool;

import static dev.paralelo.pool.WireFormat.*;

import dev.paralelo.BlockRange;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.Implementation;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.Partial;
import dev.paralelo.Reduction;
import dev.paralelo.SliceOp;
import dev.paralelo.SumMode;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The loop of a worker process: take a TASKS frame, run its tasks with the kernels on the
 * arrays it names (mapped once and kept open while the file stays the same), answer with
 * RESULTS frames. A task that cannot run answers with an error status and a message; the loop
 * itself ends only when the parent closes the transport or stops beating.
 */
public final class Worker implements AutoCloseable {
    /** How long one wait for a frame lasts before the worker checks on its parent. */
    static final long IDLE_CHECK_NANOS = 200_000_000L;

    private final WorkerLink link;
    private final int index;
    private final Kernels kernels;
    private final Map<String, Mapped> open = new HashMap<>();

    /**
     * A mapped array, with the file identity it was opened at, and the view the tasks use: for
     * the pure-Java kernels one without the per-call size check (an fstat, 1-3 us, as long as a
     * one-block task's kernel), since a truncation during their call becomes a clear error anyway
     * (docs/FORMAT.md); the size is still checked once per frame. The native kernels keep the
     * check before every call, which is all they have.
     */
    private record Mapped(SharedArray file, Object key, boolean writable, NumArray view) {}

    /** Whether the kernels survive a truncation during a call (the pure-Java ones do). */
    private final boolean survivesTruncation;

    /**
     * A worker on a link to its parent.
     *
     * @param link the worker's end of the transport; the worker owns it and closes it
     * @param index the worker's index, as the pool started it (0 for a worker that attached),
     *     sent back in its HELLO
     * @param threads the kernel threads each task runs on, at least 1
     * @param implementation the kernels to run (null: the provider's choice, as
     *     {@link Kernels#defaults()})
     */
    public Worker(WorkerLink link, int index, int threads, Implementation implementation) {
        this.link = Objects.requireNonNull(link, "link");
        this.index = index;
        this.kernels = (implementation == null ? Kernels.defaults() : Kernels.using(implementation)).withThreads(threads);
        this.survivesTruncation = kernels.implementation() != Implementation.NATIVE;
    }

    /**
     * Says hello, then serves frames until the parent closes the transport (returns 0) or dies
     * (returns 3: the parent stopped beating).
     *
     * @return the worker process's exit status: 0 when the parent closed the transport, 3 when
     *     its heartbeat stopped or its process is gone
     */
    public int run() {
        int threads = kernels.threads();
        byte[] hello = Frames.encodeHello(new Hello(index, threads, ProcessHandle.current().pid()));
        try {
            sendAll(hello);
            while (true) {
                byte[] frame = link.receive(IDLE_CHECK_NANOS);
                if (frame == null) {
                    if (!link.parentAlive()) return 3;
                    continue;
                }
                serve(frame);
            }
        } catch (TransportClosedException e) {
            return 0;
        }
    }

    /** Runs one frame's tasks and sends their results (in as many frames as the size limit needs). */
    void serve(byte[] frame) {
        Frames.TaskBatch batch;
        try {
            batch = Frames.decodeTasks(frame, frame.length);
        } catch (ProtocolException e) {
            // Without a decodable header the job is unknown: answer job 0, task 0; the parent
            // drops results of other jobs, and its own frames are never malformed.
            long job = frame.length >= HEADER_LENGTH ? Frames.job(frame) : 0;
            sendResults(job, List.of(Result.error(0, STATUS_PROTOCOL, "worker " + index + ": " + e.getMessage())));
            return;
        }
        Frame f = new Frame(batch.arrays());
        List<Task> tasks = batch.tasks();
        List<Result> results = new ArrayList<>(tasks.size());
        List<Partial> states = new ArrayList<>(tasks.size());
        for (Task t : tasks) results.add(run(t, f, states));
        sendResults(batch.job(), grouped(tasks, results, states));
    }

    /**
     * The frame's results as one group when every task was a PARTIAL that succeeded (their
     * states merged exactly into one: a frame of 256 one-block sums answers in about 2 KiB,
     * not 256 states); otherwise as they are, each task with its own result.
     */
    private static List<Result> grouped(List<Task> tasks, List<Result> results, List<Partial> states) {
        if (states.size() >= 2 && states.size() == tasks.size()) {
            try {
                Partial merged = Partial.mergeAll(states);
                long[] ids = new long[tasks.size()];
                for (int i = 0; i < ids.length; i++) ids[i] = tasks.get(i).id();
                return List.of(Frames.group(ids, merged.toPackedBytes()));
            } catch (IllegalArgumentException e) { // states that do not merge: each goes alone, and the pool says why
            }
        }
        // task by task: the states, in task order, fill the results that wait for them
        List<Result> out = new ArrayList<>(results.size());
        int next = 0;
        for (Result r : results) out.add(r.payload() == UNENCODED ? new Result(r.taskId(), STATUS_OK, states.get(next++).toPackedBytes()) : r);
        return out;
    }

    /** The payload of a PARTIAL result until it is known whether the frame answers as a group (compared by identity). */
    private static final byte[] UNENCODED = new byte[0];

    /**
     * The arrays of one frame, each looked up once for all its tasks: a path that names another
     * file than before is reopened, a truncated file fails the tasks that use it (the kernels
     * check the size again on every call).
     */
    private final class Frame {
        private final List<ArrayRef> refs;
        private final NumArray[] arrays;
        private final boolean[] writable;

        Frame(List<ArrayRef> refs) {
            this.refs = refs;
            this.arrays = new NumArray[refs.size()];
            this.writable = new boolean[refs.size()];
        }

        NumArray get(int i, boolean write) throws IOException {
            if (arrays[i] == null || (write && !writable[i])) {
                arrays[i] = array(refs.get(i), write);
                writable[i] |= write;
            }
            return arrays[i];
        }
    }

    /** Runs one task; a PARTIAL task's state is also added to states when it succeeds. */
    private Result run(Task t, Frame f, List<Partial> states) {
        try {
            Kernels k = kernels.withMode(SumMode.ofCode(t.mode()));
            NumArray x = f.get(t.x(), false);
            if (t.kind() == KIND_PARTIAL) {
                Reduction op = Reduction.ofCode(t.op());
                BlockRange range = new BlockRange(t.start(), t.end());
                Partial p = op == Reduction.DOT ? k.partial(op, x, f.get(t.y(), false), range)
                        : t.around() ? k.partialAround(x, range, t.center()) : k.partial(op, x, range);
                states.add(p); // sent in a group, or packed (a sum: about 100 bytes, not 1136)
                return new Result(t.id(), STATUS_OK, UNENCODED);
            }
            NumArray out = f.get(t.out(), true);
            long from = t.start() * t.k(), to = Math.min(x.length(), t.end() * t.k());
            k.reduceSlices(SliceOp.ofCode(t.op()), x.slice(Math.min(from, to), to), t.k(), out.slice(t.start(), t.end()));
            return new Result(t.id(), STATUS_OK, new byte[0]);
        } catch (IOException | IllegalStateException e) {
            return Result.error(t.id(), STATUS_ARRAY, message(e));
        } catch (InternalError e) {
            // The pure-Java kernels touched a page that a truncation removed (the JVM turns that
            // SIGBUS into an InternalError).
            return Result.error(t.id(), STATUS_ARRAY, "an array file was truncated while the task read it");
        } catch (ArithmeticException e) {
            return Result.error(t.id(), STATUS_KERNEL, message(e));
        } catch (RuntimeException e) {
            return Result.error(t.id(), STATUS_KERNEL, e.toString());
        }
    }

    private static String message(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * The array ref names, mapped: kept from an earlier task while the path still names the
     * same file (same device and inode), else (re)opened. Its type and length must be ref's.
     */
    private NumArray array(ArrayRef ref, boolean writable) throws IOException {
        Path path = Path.of(ref.path());
        Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        Mapped m = open.get(ref.path());
        if (m != null && (!Objects.equals(m.key(), key) || (writable && !m.writable()))) {
            m.file().close();
            open.remove(ref.path());
            m = null;
        }
        if (m == null) {
            SharedArray f = SharedArray.openAny(path, ref.dtype(), writable);
            m = new Mapped(f, key, writable, survivesTruncation ? unchecked(f.array()) : f.array());
            open.put(ref.path(), m);
        }
        NumArray a = m.view();
        if (a.dtype() != ref.dtype() || a.length() != ref.length()) {
            throw new IOException(ref.path() + " holds " + a.describe() + ", but the task names a " + ref.dtype().label()
                    + " array of " + ref.length() + " elements");
        }
        m.file().checkIntact();
        return a;
    }

    /** A view of a's memory without its per-call check (the memory stays the mapping's). */
    private static NumArray unchecked(NumArray a) {
        return switch (a.dtype()) {
            case F64 -> F64Array.wrap(a.segment());
            case F32 -> F32Array.wrap(a.segment());
            case I64 -> I64Array.wrap(a.segment());
            case I32 -> I32Array.wrap(a.segment());
        };
    }

    private void sendResults(long job, List<Result> results) {
        int max = link.maxFrameBytes();
        List<Result> part = new ArrayList<>();
        long len = HEADER_LENGTH;
        for (Result r : results) {
            Result fit = Frames.resultLength(r.payload().length) + HEADER_LENGTH > max
                    ? Result.error(r.taskId(), STATUS_KERNEL, "the result's " + r.payload().length + " bytes exceed the frame limit")
                    : r;
            int rl = Frames.resultLength(fit.payload().length);
            if (len + rl > max && !part.isEmpty()) {
                sendAll(Frames.encodeResults(job, part));
                part.clear();
                len = HEADER_LENGTH;
            }
            part.add(fit);
            len += rl;
        }
        if (!part.isEmpty() || results.isEmpty()) sendAll(Frames.encodeResults(job, part));
    }

    /** Sends a frame, waiting while the parent's queue is full (the parent drains it). */
    private void sendAll(byte[] frame) {
        while (!link.send(frame, 0, frame.length, IDLE_CHECK_NANOS)) {
            if (!link.parentAlive()) throw new TransportClosedException("the parent stopped while results waited to be sent");
        }
    }

    /** Unmaps every array and closes the link. */
    @Override
    public void close() throws IOException {
        for (Mapped m : open.values()) m.file().close();
        open.clear();
        link.close();
    }
}
