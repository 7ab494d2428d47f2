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
import dev.paralelo.kernel.NativeKernels;
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
     * A mapped array, with the file identity it was opened at, and the view the tasks use: one
     * without the per-call size check (an fstat, 1-3 us, as long as a one-block task's kernel)
     * when a truncation during a call becomes a clear error anyway (the pure-Java kernels, and
     * the native ones with their SIGBUS guard on: docs/FORMAT.md); the size is still checked
     * once per frame. Native kernels without the guard ({@code PARALELO_FAULT_GUARD=0}) keep the
     * check before every call, which is all they have.
     */
    private record Mapped(SharedArray file, Object key, boolean writable, NumArray view) {}

    /** Whether the kernels survive a truncation during a call (the pure-Java ones do, the native ones with their guard). */
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
        this.survivesTruncation = kernels.implementation() != Implementation.NATIVE || NativeKernels.faultGuard();
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
        List<Partial> states = new ArrayList<>();
        List<long[]> members = new ArrayList<>();
        for (int i = 0, n = tasks.size(); i < n; ) {
            int j = i + 1;
            while (j < n && adjacent(tasks.get(j - 1), tasks.get(j))) j++;
            List<Task> run = tasks.subList(i, j);
            try {
                Partial p = run(run.getFirst(), run.getLast().end(), f);
                if (p != null) {
                    states.add(p);
                    long[] ids = new long[run.size()];
                    for (int m = 0; m < ids.length; m++) ids[m] = run.get(m).id();
                    members.add(ids);
                } else {
                    for (Task t : run) results.add(new Result(t.id(), STATUS_OK, new byte[0]));
                }
            } catch (TaskFailure e) {
                for (Task t : run) results.add(Result.error(t.id(), e.status, e.getMessage()));
            }
            i = j;
        }
        sendResults(batch.job(), answers(results, states, members));
    }

    /**
     * Whether task b continues task a: the same work on the same arrays, over the blocks right
     * after a's. A frame's run of such tasks is one kernel call over their union: a block
     * partition's states merge exactly, so the union's state is the bits the tasks' states merged
     * would give, and the slices they write are the same (docs/PROTOCOL.md, "Workers").
     */
    static boolean adjacent(Task a, Task b) {
        return b.start() == a.end() && b.kind() == a.kind() && b.op() == a.op() && b.mode() == a.mode()
                && b.around() == a.around() && b.x() == a.x() && b.y() == a.y() && b.out() == a.out() && b.k() == a.k()
                && Double.doubleToRawLongBits(b.center()) == Double.doubleToRawLongBits(a.center());
    }

    /**
     * The answers to a frame: one group when every task was a PARTIAL that succeeded (the
     * states merged exactly into one: a frame of 256 one-block sums answers in about 2 KiB, not
     * 256 states); otherwise the results as they are, with each run's state as a group of its
     * tasks, or as its one task's result.
     */
    private static List<Result> answers(List<Result> results, List<Partial> states, List<long[]> members) {
        if (results.isEmpty() && states.size() >= 2) {
            try {
                Partial merged = Partial.mergeAll(states);
                int n = 0;
                for (long[] m : members) n += m.length;
                long[] ids = new long[n];
                n = 0;
                for (long[] m : members) {
                    System.arraycopy(m, 0, ids, n, m.length);
                    n += m.length;
                }
                return List.of(Frames.group(ids, merged.toPackedBytes()));
            } catch (IllegalArgumentException e) { // states that do not merge: each run goes alone, and the pool says why
            }
        }
        List<Result> out = new ArrayList<>(results.size() + states.size());
        for (int i = 0; i < states.size(); i++) {
            long[] ids = members.get(i);
            byte[] state = states.get(i).toPackedBytes();
            out.add(ids.length == 1 ? new Result(ids[0], STATUS_OK, state) : Frames.group(ids, state));
        }
        out.addAll(results);
        return out;
    }

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

    /** Why a run of tasks failed: the status its tasks answer with, and the message. */
    private static final class TaskFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        TaskFailure(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /**
     * Runs task t's work over the blocks [t.start(), end): a PARTIAL's state, or null for a
     * SLICES task (its slices are written in place).
     */
    private Partial run(Task t, long end, Frame f) throws TaskFailure {
        try {
            Kernels k = t.mode() == kernels.mode().code() ? kernels : kernels.withMode(SumMode.ofCode(t.mode()));
            NumArray x = f.get(t.x(), false);
            if (t.kind() == KIND_PARTIAL) {
                Reduction op = Reduction.ofCode(t.op());
                BlockRange range = new BlockRange(t.start(), end);
                return op == Reduction.DOT ? k.partial(op, x, f.get(t.y(), false), range)
                        : t.around() ? k.partialAround(x, range, t.center()) : k.partial(op, x, range);
            }
            NumArray out = f.get(t.out(), true);
            long from = t.start() * t.k(), to = Math.min(x.length(), end * t.k());
            k.reduceSlices(SliceOp.ofCode(t.op()), x.slice(Math.min(from, to), to), t.k(), out.slice(t.start(), end));
            return null;
        } catch (IOException | IllegalStateException e) {
            throw new TaskFailure(STATUS_ARRAY, message(e));
        } catch (InternalError e) {
            // The pure-Java kernels touched a page that a truncation removed (the JVM turns that
            // SIGBUS into an InternalError).
            dev.paralelo.internal.MappingFault.orRethrow(e);
            throw new TaskFailure(STATUS_ARRAY, "an array file was truncated while the task read it");
        } catch (ArithmeticException e) {
            throw new TaskFailure(STATUS_KERNEL, message(e));
        } catch (RuntimeException e) {
            throw new TaskFailure(STATUS_KERNEL, e.toString());
        }
    }

    private static String message(Exception e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() == null && f.getFile() != null) {
            // NoSuchFileException and the like carry only the path: say what happened to it.
            String what = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getClass().getSimpleName();
            return f.getFile() + ": " + what;
        }
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
            // Outputs must be .npy arrays: a pool (or whoever bound its port) names the files, and
            // a worker writes into no file that does not say it holds an array, such as a raw
            // file or a text file of the right size.
            SharedArray f;
            try {
                f = writable ? SharedArray.open(path, true) : SharedArray.openAny(path, ref.dtype(), false);
            } catch (dev.paralelo.shm.NpyFormatException e) {
                throw new IOException(ref.path() + ": " + e.getMessage() + (writable ? " (a worker writes only into .npy arrays)" : ""), e);
            }
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
