package dev.paralelo.mpi;

import static dev.paralelo.internal.ffi.ParaleloMpiLib.PL_MPI_ERROR_LENGTH;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.paralelo.NumArray;
import dev.paralelo.Partial;
import dev.paralelo.Reduction;
import dev.paralelo.internal.ffi.ParaleloMpiLib;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * MPI in this process: the shim's communicator (a duplicate of {@code MPI_COMM_WORLD}), started
 * by {@link #init}, ended by {@link #close()}. One per process, for the life of the process:
 * MPI cannot start again once finalised.
 *
 * <p>Collectives must be called by every rank, in the same order, with matching arguments
 * (MPI's rule); a rank that never arrives leaves the others waiting, and a rank that dies makes
 * {@code mpirun} end the job. A rank that fails alone should {@link #abort} rather than
 * {@link #close()}: finalising waits for the other ranks, which may be waiting for it. Memory passed in is off-heap ({@link NumArray}s and native
 * segments; heap arrays go through a copy). Errors are {@link MpiException}s carrying MPI's
 * own text; MPI never aborts the JVM behind its back ({@code MPI_ERRORS_RETURN}).
 *
 * <p>Threads: at {@link ThreadLevel#SINGLE} and {@link ThreadLevel#FUNNELED} (the default)
 * only the thread that called {@link #init} may call MPI, and other threads get an
 * IllegalStateException; at the higher levels, what MPI allows. The threads of the
 * kernels never call MPI, so FUNNELED is enough for ranks that use all their cores. After
 * {@link #close()} every collective and {@link #abort} throw IllegalStateException; the
 * accessors (rank, size, ...) keep answering.
 */
public final class Mpi implements AutoCloseable {
    private static Mpi instance; // guarded by Mpi.class
    private static boolean ended;

    private final ThreadLevel level;
    private final Thread owner;
    private final int rank, size, localRank, localSize;
    private volatile boolean closed;

    private Mpi(ThreadLevel level, int rank, int size, int localRank, int localSize) {
        this.level = level;
        this.owner = Thread.currentThread();
        this.rank = rank;
        this.size = size;
        this.localRank = localRank;
        this.localSize = localSize;
    }

    /**
     * {@link #init(ThreadLevel)} at {@link ThreadLevel#FUNNELED}. Collective: every rank calls it.
     *
     * @return this process's communicator, the only one: share it rather than call init again
     * @throws MpiException if MPI fails to start (see {@link #init(ThreadLevel)})
     */
    public static Mpi init() {
        return init(ThreadLevel.FUNNELED);
    }

    /**
     * Starts MPI ({@code MPI_Init_thread}) with the required thread level, or joins the MPI that
     * another library in this process started. Loads libparalelo_mpi on first use. Collective:
     * every rank calls it.
     *
     * @param required the lowest thread level this process needs; MPI may provide a higher one,
     *     which {@link #threadLevel()} reports
     * @return this process's communicator, the only one: share it rather than call init again
     * @throws MpiException if MPI fails to start, or gives a lower thread level than required
     *     (MPI then stays up, unusable by this class, until the process ends)
     * @throws IllegalStateException if MPI was already started by this class in this process
     * @throws UnsatisfiedLinkError if libparalelo_mpi cannot be loaded (it is built only where
     *     MPI is installed); the message says how to get it
     */
    public static synchronized Mpi init(ThreadLevel required) {
        Objects.requireNonNull(required, "required");
        if (instance != null || ended) {
            throw new IllegalStateException("MPI was already " + (ended ? "finalized" : "started") + " in this process; "
                    + "it starts once per process (share the Mpi that init returned)");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(JAVA_INT), local = a.allocate(JAVA_INT, 2);
            check("pl_mpi_init", ParaleloMpiLib.plMpiInit(required.code(), provided));
            MemorySegment r = a.allocate(JAVA_INT), s = a.allocate(JAVA_INT);
            check("pl_mpi_rank", ParaleloMpiLib.plMpiRank(r));
            check("pl_mpi_size", ParaleloMpiLib.plMpiSize(s));
            check("pl_mpi_local", ParaleloMpiLib.plMpiLocal(local, local.asSlice(4)));
            instance = new Mpi(ThreadLevel.ofCode(provided.get(JAVA_INT, 0)), r.get(JAVA_INT, 0), s.get(JAVA_INT, 0),
                    local.get(JAVA_INT, 0), local.get(JAVA_INT, 4));
            return instance;
        }
    }

    /**
     * The thread level MPI provides: at least the one required.
     *
     * @return the level MPI gave at {@link #init}, which decides which threads may call this
     *     object (see the class comment)
     */
    public ThreadLevel threadLevel() {
        return level;
    }

    /**
     * This process's rank. Local: no communication.
     *
     * @return the rank in the shim's copy of {@code MPI_COMM_WORLD}, in [0, {@link #size()});
     *     fixed for the life of the process
     */
    public int rank() {
        return rank;
    }

    /**
     * The number of ranks. Local: no communication.
     *
     * @return how many processes the job has ({@code MPI_COMM_WORLD}'s size, mpirun's
     *     {@code -np}), at least 1
     */
    public int size() {
        return size;
    }

    /**
     * This process's rank among the ranks on its node (that share its memory). Local: no
     * communication.
     *
     * @return the rank among this node's ranks, in [0, {@link #localSize()})
     */
    public int localRank() {
        return localRank;
    }

    /**
     * The number of ranks on this node: how many processes share this machine's cores. Local:
     * no communication.
     *
     * @return the size of this node's group ({@code MPI_Comm_split_type} with
     *     {@code MPI_COMM_TYPE_SHARED}, at init), at least 1
     */
    public int localSize() {
        return localSize;
    }

    /**
     * Waits until every rank has called it. Collective.
     *
     * @throws MpiException if MPI fails
     */
    public void barrier() {
        usable();
        check("pl_mpi_barrier", ParaleloMpiLib.plMpiBarrier());
    }

    /**
     * Agreement on a local failure: the lowest rank that passed {@code failedHere = true}, or
     * -1 when none did, on every rank (one small allreduce). A rank that fails on its own (its
     * file part cannot be opened) says so here before the next collective, so that the others
     * stop instead of waiting for it forever.
     *
     * @param failedHere whether this rank failed (true) or has its result and is ready for the
     *     next collective (false)
     * @return the lowest rank that passed true, the same on every rank; -1 when no rank did
     * @throws MpiException if MPI fails
     */
    public int lowestFailed(boolean failedHere) {
        usable();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, failedHere ? rank : size);
            check("pl_mpi_allreduce", ParaleloMpiLib.plMpiAllreduce(dev.paralelo.DType.I32.code(), Reduction.MIN.code(), v, 1));
            int lowest = v.get(JAVA_INT, 0);
            return lowest < size ? lowest : -1;
        }
    }

    /**
     * Broadcasts the bytes of segment from rank root to every rank (written in place on the
     * others). An invalid root is MPI's error (an MpiException with its text). Collective.
     *
     * @param segment root's bytes to send; on the other ranks the bytes to overwrite. The same
     *     byte size on every rank (MPI's rule), any size (sent in chunks); a heap segment goes
     *     through a native copy, copied back
     * @param root the rank that sends, in [0, {@link #size()}); the same on every rank
     * @throws MpiException if root is not a rank, or MPI fails
     */
    public void bcast(MemorySegment segment, int root) {
        usable();
        inPlace(segment, true, s -> check("pl_mpi_bcast", ParaleloMpiLib.plMpiBcast(s, s.byteSize(), root)));
    }

    /**
     * Broadcasts the elements of x from rank root (x must be writable on the other ranks).
     * Collective.
     *
     * @param x on root the elements to send; on the other ranks the array they overwrite, of the
     *     same element type and length
     * @param root the rank that sends, in [0, {@link #size()}); the same on every rank
     * @throws IllegalArgumentException if x is read-only on a rank other than root, thrown on that
     *     rank before any communication (the others then wait for it: check first)
     * @throws IllegalStateException if x's memory was released (thrown before any communication)
     * @throws MpiException if root is not a rank, or MPI fails
     */
    public void bcast(NumArray x, int root) {
        if (rank != root) writable(x);
        bcast(live(x).segment(), root);
    }

    /**
     * Replaces x on every rank by the elementwise op (SUM, MIN or MAX) over all ranks: MPI's own
     * {@code MPI_Allreduce}. A float SUM here rounds in the order MPI picks (the rank count, the
     * reduction tree), so its bits depend on them; {@link #allreduce(Partial)} does not.
     * Collective.
     *
     * @param x the operand on entry and the result on return, on every rank: f64, f32, i64 or
     *     i32, writable, of the same element type and length on every rank; any length (reduced
     *     in chunks); an integer SUM is in the element type, as MPI computes it
     * @param op SUM, MIN or MAX (MPI_SUM, MPI_MIN, MPI_MAX); the same on every rank
     * @throws IllegalArgumentException for other operations or a read-only x, thrown before any
     *     communication
     * @throws MpiException if MPI fails
     */
    public void allreduce(NumArray x, Reduction op) {
        int code = elementwise(op);
        writable(live(x));
        usable();
        inPlace(x.segment(), true,
                s -> check("pl_mpi_allreduce", ParaleloMpiLib.plMpiAllreduce(x.dtype().code(), code, s, x.length())));
    }

    /**
     * As {@link #allreduce(NumArray, Reduction)}, the result on rank root only; the others' x is
     * unchanged. Collective.
     *
     * @param x the operand, of the same element type and length on every rank; replaced by the
     *     result on root; writable on every rank, though only root's changes
     * @param op SUM, MIN or MAX; the same on every rank
     * @param root the rank that gets the result, in [0, {@link #size()}); the same on every rank
     * @throws IllegalArgumentException for other operations or a read-only x, thrown before any
     *     communication
     * @throws MpiException if root is not a rank, or MPI fails
     */
    public void reduce(NumArray x, Reduction op, int root) {
        int code = elementwise(op);
        writable(live(x));
        usable();
        inPlace(x.segment(), rank == root,
                s -> check("pl_mpi_reduce", ParaleloMpiLib.plMpiReduce(x.dtype().code(), code, s, x.length(), root)));
    }

    /**
     * The exact merge of every rank's partial state: a user-defined MPI operation merges them in
     * C ({@code pl_merge}) over the few hundred bytes of each state, in whatever tree MPI picks.
     * The merge is exact, so the result is the same bits for any rank count and any tree: the
     * state one process would have of all the ranks' ranges together. Every rank passes a state
     * of the same kind. Collective.
     *
     * @param <P> the state's class, which the merged state has too
     * @param state this rank's state (of its own elements); not changed
     * @return the merge of every rank's state, the same on every rank
     * @throws MpiException if some states cannot merge (min with max, other element types, other
     *     centres), with the same exception on every rank; or if MPI fails
     */
    public <P extends Partial> P allreduce(P state) {
        return mergeStates(state, -1);
    }

    /**
     * As {@link #allreduce(Partial)}, the merged state returned on rank root; the others get their
     * own state back. Collective.
     *
     * @param <P> the state's class, which the merged state has too
     * @param state this rank's state, of the same kind on every rank; not changed
     * @param root the rank that gets the merge, in [0, {@link #size()}); the same on every rank
     * @return on root the merge of every rank's state; on the other ranks state itself
     * @throws IllegalArgumentException if root is negative, thrown before any communication
     * @throws MpiException if root is not a rank or MPI fails; on root only, if some states
     *     cannot merge (min with max, other element types, other centres)
     */
    public <P extends Partial> P reduce(P state, int root) {
        if (root < 0) throw new IllegalArgumentException("root must be >= 0, got " + root);
        return mergeStates(state, root);
    }

    /** Header bytes of a partial state's encoding (docs/FORMAT.md, "Partial states"): the words follow. */
    private static final int STATE_HEADER = 16;

    /** The largest state's encoding: the header and the most words any state kind has. */
    private static final int STATE_SCRATCH = STATE_HEADER + 8 * largestState();

    private static int largestState() {
        int most = 0;
        for (int kind = dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_SUM; kind <= dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_MOMENTS; kind++) {
            most = Math.max(most, dev.paralelo.kernel.States.words(kind));
        }
        return most;
    }

    /**
     * Where states are encoded for the shim: one native buffer per thread, so that a merge
     * allocates no arena and no byte arrays (the header, then the C struct's words: the
     * encoding is little-endian, as this machine).
     */
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE_SCRATCH, 64));

    private <P extends Partial> P mergeStates(P state, int root) {
        Objects.requireNonNull(state, "state");
        usable();
        MemorySegment scratch = SCRATCH.get();
        java.nio.ByteBuffer buffer = scratch.asByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        state.writeTo(buffer);
        int rc = root < 0 ? ParaleloMpiLib.plMpiAllreduceState(state.kind(), scratch.asSlice(STATE_HEADER), 1)
                : ParaleloMpiLib.plMpiReduceState(state.kind(), scratch.asSlice(STATE_HEADER), 1, root);
        check(root < 0 ? "pl_mpi_allreduce_state" : "pl_mpi_reduce_state", rc);
        if (root >= 0 && rank != root) return state;
        buffer.flip();
        @SuppressWarnings("unchecked")
        P merged = (P) state.getClass().cast(Partial.read(buffer));
        return merged;
    }

    /**
     * Every rank's bytes of send, rank r's at offset r * send.byteSize() of the result, on rank
     * root; the other ranks get an empty segment. Every rank sends the same number of bytes (at
     * most 2^31 - 1). Collective.
     *
     * @param send this rank's bytes: the same byte size on every rank, at most 2^31 - 1; a heap
     *     segment goes through a native copy
     * @param root the rank that receives, in [0, {@link #size()}); the same on every rank
     * @param arena where the result is allocated, on every rank; it owns the result's memory
     * @return on root, {@code size() * send.byteSize()} bytes, 8-byte aligned, rank r's at offset
     *     {@code r * send.byteSize()}; on the other ranks an empty segment
     * @throws MpiException if root is not a rank, send holds more than 2^31 - 1 bytes, or MPI
     *     fails
     */
    public MemorySegment gather(MemorySegment send, int root, Arena arena) {
        usable();
        MemorySegment recv = rank == root ? arena.allocate(send.byteSize() * size, 8) : MemorySegment.NULL;
        inPlace(send, false, s -> check("pl_mpi_gather", ParaleloMpiLib.plMpiGather(s, s.byteSize(), recv, root)));
        return rank == root ? recv : arena.allocate(0);
    }

    /**
     * As {@link #gather}, the result on every rank. Collective.
     *
     * @param send this rank's bytes: the same byte size on every rank, at most 2^31 - 1; a heap
     *     segment goes through a native copy
     * @param arena where the result is allocated; it owns the result's memory
     * @return {@code size() * send.byteSize()} bytes, 8-byte aligned, rank r's at offset
     *     {@code r * send.byteSize()}, the same on every rank
     * @throws MpiException if send holds more than 2^31 - 1 bytes, or MPI fails
     */
    public MemorySegment allgather(MemorySegment send, Arena arena) {
        usable();
        MemorySegment recv = arena.allocate(send.byteSize() * size, 8);
        inPlace(send, false, s -> check("pl_mpi_allgather", ParaleloMpiLib.plMpiAllgather(s, s.byteSize(), recv)));
        return recv;
    }

    /**
     * Ends every rank of the job now ({@code MPI_Abort}), this process included, with exit
     * status {@code status}. For a rank that fails alone: {@link #close()} (MPI_Finalize) waits
     * for every rank, and ranks that wait for this one in a collective would never get there.
     * Returns only by throwing, if MPI could not abort. Not collective: one rank may call it
     * alone.
     *
     * @param status {@code MPI_Abort}'s error code: what the environment gets as the job's exit
     *     status, where MPI can return one
     * @throws IllegalStateException if MPI was finalized ({@link #close()})
     * @throws MpiException if MPI could not abort
     */
    public void abort(int status) {
        if (closed) throw new IllegalStateException("MPI was finalized (Mpi.close)");
        check("pl_mpi_abort", ParaleloMpiLib.plMpiAbort(status));
        throw new AssertionError("MPI_Abort returned");
    }

    /**
     * Ends MPI ({@code MPI_Finalize}, collective) if {@link #init} started it. The process
     * cannot use MPI again. Idempotent.
     */
    @Override
    public void close() {
        synchronized (Mpi.class) {
            if (closed) return;
            usable();
            closed = true;
            ended = true;
            instance = null;
            check("pl_mpi_finalize", ParaleloMpiLib.plMpiFinalize());
        }
    }

    @Override
    public String toString() {
        return "Mpi[rank " + rank + " of " + size + ", " + localSize + " on this node, " + level + "]";
    }

    // ---- checks ---------------------------------------------------------------------------

    private void usable() {
        if (closed) throw new IllegalStateException("MPI was finalized (Mpi.close)");
        if (level.compareTo(ThreadLevel.SERIALIZED) < 0 && Thread.currentThread() != owner) {
            throw new IllegalStateException("MPI runs at thread level " + level + ": only the thread that started it ("
                    + owner.getName() + ") may call it; init(ThreadLevel.SERIALIZED) or higher allows others");
        }
    }

    private static NumArray live(NumArray x) {
        Objects.requireNonNull(x, "x").checkAlive();
        return x;
    }

    private static void writable(NumArray x) {
        if (x.isReadOnly()) throw new IllegalArgumentException("the result is written into x, which is read-only: " + x.describe());
    }

    private static int elementwise(Reduction op) {
        return switch (Objects.requireNonNull(op, "op")) {
            case SUM, MIN, MAX -> op.code();
            default -> throw new IllegalArgumentException("MPI reduces elementwise with SUM, MIN or MAX, not " + op
                    + " (reduce partial states for the others: allreduce(Partial))");
        };
    }

    private interface Call {
        void on(MemorySegment nativeSegment);
    }

    /** Runs call on segment, or on a native copy of a heap segment (copied back when writeBack). */
    private static void inPlace(MemorySegment segment, boolean writeBack, Call call) {
        Objects.requireNonNull(segment, "segment");
        if (segment.isNative()) {
            call.on(segment);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment copy = a.allocate(segment.byteSize(), 8).copyFrom(segment);
            call.on(copy);
            if (writeBack) segment.copyFrom(copy);
        }
    }

    static void check(String call, int status) {
        if (status != 0) throw error(call, status);
    }

    static MpiException error(String call, int status) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocate(PL_MPI_ERROR_LENGTH);
            ParaleloMpiLib.plMpiErrorString(status, text, PL_MPI_ERROR_LENGTH);
            return new MpiException(call, status, text.getString(0));
        }
    }
}
