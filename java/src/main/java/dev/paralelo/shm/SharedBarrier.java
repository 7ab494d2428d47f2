package dev.paralelo.shm;

import dev.paralelo.DType;
import dev.paralelo.I64Array;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A barrier for threads in any number of processes (Java, or C through {@code pl_barrier_wait}),
 * in shared memory laid out as {@link BarrierLayout}. Everything a party wrote before
 * {@link #await} is visible to every party after it returns (release/acquire on the generation
 * word; docs/FORMAT.md). Reusable: each completed wait starts a new generation.
 *
 * <p>A wait that times out breaks the barrier for good, in every process: it stores
 * {@link BarrierLayout#BROKEN} into the generation word (unless the generation completed
 * first), so that the parties still waiting, and every later wait, fail with
 * {@link BrokenBarrierException} instead of passing with too few parties. Make a new barrier.
 */
public final class SharedBarrier implements AutoCloseable {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment seg;
    private final long parties;
    private final SharedArray owner; // null when attached to memory owned elsewhere

    private SharedBarrier(MemorySegment seg, SharedArray owner) {
        this.seg = seg;
        this.owner = owner;
        if ((long) LONG.getAcquire(seg, BarrierLayout.MAGIC_OFFSET) != BarrierLayout.MAGIC) {
            throw new IllegalStateException("no initialised barrier in this memory (magic word missing)");
        }
        this.parties = (long) LONG.get(seg, BarrierLayout.PARTIES_OFFSET);
        if (parties < 1) throw new IllegalStateException("corrupt barrier: it says " + parties + " parties (at least 1)");
    }

    private static MemorySegment region(MemorySegment at) {
        Objects.requireNonNull(at, "at");
        if (at.byteSize() < BarrierLayout.LENGTH) {
            throw new IllegalArgumentException("a barrier needs " + BarrierLayout.LENGTH + " bytes, got " + at.byteSize());
        }
        if (at.isNative() && at.address() % 64 != 0) throw new IllegalArgumentException("a barrier must be 64-byte aligned");
        return at.asSlice(0, BarrierLayout.LENGTH);
    }

    /**
     * Initialises a barrier for parties parties at the start of at (64-byte aligned, 192 bytes).
     *
     * @param at the memory, at least {@link BarrierLayout#LENGTH} bytes, 64-byte aligned when
     *     off-heap
     * @param parties how many parties each generation waits for, at least 1
     * @return the barrier, at generation 0
     * @throws IllegalArgumentException if parties is below 1 or the memory is too small or
     *     misaligned
     */
    public static SharedBarrier init(MemorySegment at, long parties) {
        if (parties < 1) throw new IllegalArgumentException("parties must be >= 1, got " + parties);
        MemorySegment s = region(at);
        LONG.set(s, BarrierLayout.PARTIES_OFFSET, parties);
        LONG.set(s, BarrierLayout.ARRIVED_OFFSET, 0L);
        LONG.set(s, BarrierLayout.GENERATION_OFFSET, 0L);
        LONG.setRelease(s, BarrierLayout.MAGIC_OFFSET, BarrierLayout.MAGIC);
        return new SharedBarrier(s, null);
    }

    /**
     * Attaches to a barrier another party initialised; IllegalStateException if it holds no valid barrier.
     *
     * @param at the memory another party passed to {@link #init}
     * @return the barrier, sharing its state with every other party attached to that memory
     * @throws IllegalArgumentException if the memory is too small or misaligned
     */
    public static SharedBarrier attach(MemorySegment at) {
        return new SharedBarrier(region(at), null);
    }

    /**
     * Creates a named barrier file (see {@link SharedArray#resolve}).
     *
     * @param name the barrier's name, as for an array
     * @param parties how many parties each generation waits for, at least 1
     * @return the barrier; {@link #close()} unmaps it
     * @throws IllegalArgumentException if parties is below 1 or the name is invalid
     * @throws IOException if the file cannot be created (for instance one of that name exists)
     */
    public static SharedBarrier create(String name, long parties) throws IOException {
        if (parties < 1) throw new IllegalArgumentException("parties must be >= 1, got " + parties);
        SharedArray a = SharedArray.create(SharedArray.resolve(name), DType.I64, new long[] {BarrierLayout.LENGTH / 8}, false,
                arr -> init(arr.segment(), parties));
        return new SharedBarrier(a.array().segment(), a);
    }

    /**
     * Opens a named barrier file; IllegalStateException if it holds no valid barrier.
     *
     * @param name the barrier's name, as passed to {@link #create}
     * @return the barrier, mapped read-write
     * @throws IllegalArgumentException if the file is not an i64 array
     * @throws IOException if it cannot be opened, as for
     *     {@link SharedArray#open(java.nio.file.Path, boolean)}
     */
    public static SharedBarrier open(String name) throws IOException {
        SharedArray a = SharedArray.open(name, true);
        try {
            a.array(I64Array.class);
            return new SharedBarrier(region(a.array().segment()), a);
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /**
     * Number of parties.
     *
     * @return the number of parties each generation waits for, at least 1
     */
    public long parties() {
        return parties;
    }

    /**
     * Completed generations so far, or {@link BarrierLayout#BROKEN} once broken.
     *
     * @return the number of completed generations, read with acquire ordering, or -1
     *     ({@link BarrierLayout#BROKEN})
     * @throws IllegalStateException if another process truncated the barrier's file
     */
    public long generation() {
        try {
            return (long) LONG.getAcquire(seg, BarrierLayout.GENERATION_OFFSET);
        } catch (InternalError e) {
            throw truncated(e);
        }
    }

    /**
     * Whether a wait has timed out on this barrier, in any process.
     *
     * @return true once broken; a broken barrier stays broken
     * @throws IllegalStateException if another process truncated the barrier's file
     */
    public boolean isBroken() {
        return generation() == BarrierLayout.BROKEN;
    }

    /** The timeout in nanoseconds, saturated: a negative one is 0, one past 292 years is forever. */
    static long nanos(Duration timeout) {
        if (timeout.isNegative()) return 0;
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Waits until all parties have arrived.
     *
     * <p>Another process that re-initialises the barrier ({@link #init}) or overwrites its words
     * while this party waits makes the wait fail with IllegalStateException, never pass: the
     * generation went back, or the magic or parties word no longer holds what it held when this
     * barrier attached (docs/FORMAT.md). A file truncated under the barrier is an
     * IllegalStateException too (the JVM's fault on the lost page, which it delivers at its next
     * safepoint check: in the wait's loop or at its return).
     *
     * @param timeout how long to wait; any length (a Duration past Long.MAX_VALUE nanoseconds
     *     waits for ever)
     * @throws TimeoutException when the timeout passes first; the barrier is then broken
     * @throws BrokenBarrierException when the barrier is or becomes broken (another party's
     *     wait timed out), before or during this wait
     * @throws IllegalStateException when another process re-initialised, zeroed or otherwise
     *     overwrote the barrier, or truncated its file, before or during this wait
     */
    public void await(Duration timeout) throws TimeoutException, BrokenBarrierException {
        try {
            awaitGeneration(timeout);
        } catch (InternalError e) {
            throw truncated(e);
        }
    }

    private void awaitGeneration(Duration timeout) throws TimeoutException, BrokenBarrierException {
        long limit = nanos(timeout);
        long start = System.nanoTime();
        checkLayout();
        long gen = (long) LONG.getAcquire(seg, BarrierLayout.GENERATION_OFFSET);
        if (gen == BarrierLayout.BROKEN) throw broken();
        if (gen < 0) throw overwritten("its generation word holds " + gen);
        long arrived = (long) LONG.getAndAdd(seg, BarrierLayout.ARRIVED_OFFSET, 1L) + 1;
        // More arrivals than parties (a count written over, or more processes waiting than the
        // barrier has parties): the count can never reach parties, and the wait would never end.
        if (arrived < 1 || arrived > parties) throw overwritten("its count of arrived parties reads " + arrived + " of " + parties);
        if (arrived == parties) {
            LONG.set(seg, BarrierLayout.ARRIVED_OFFSET, 0L);
            // A CAS, not a store: a waiter that timed out meanwhile has broken this generation.
            long witness = (long) LONG.compareAndExchange(seg, BarrierLayout.GENERATION_OFFSET, gen, gen + 1);
            if (witness == gen) return;
            if (witness == BarrierLayout.BROKEN) throw broken();
            throw overwritten("its generation changed from " + gen + " to " + witness + " while the last party arrived");
        }
        for (int spins = 0; ; spins++) {
            long now = (long) LONG.getAcquire(seg, BarrierLayout.GENERATION_OFFSET);
            if (now != gen) {
                if (now == BarrierLayout.BROKEN) throw broken();
                checkLayout();
                // Generations only grow: one that went back is a re-initialised or zeroed barrier, not a completed wait.
                if (now < gen) throw overwritten("its generation went back from " + gen + " to " + now + " during this wait");
                return;
            }
            if (spins < 1000) {
                Thread.onSpinWait();
                continue;
            }
            checkLayout(); // a barrier zeroed or re-initialised at generation 0 leaves the generation as it was
            // Elapsed time against the limit: no deadline to overflow.
            if (System.nanoTime() - start > limit) {
                if (LONG.compareAndSet(seg, BarrierLayout.GENERATION_OFFSET, gen, BarrierLayout.BROKEN)) {
                    throw new TimeoutException("barrier wait timed out after " + timeout + " (" + arrived + " of " + parties
                            + " parties arrived); the barrier is now broken for every party");
                }
                continue; // the last party arrived just now, or another broke it: look again
            }
            if (spins < 5000) Thread.yield();
            else LockSupport.parkNanos(50_000);
        }
    }

    /** IllegalStateException unless the magic and parties words still hold what they held at attach. */
    private void checkLayout() {
        long magic = (long) LONG.getAcquire(seg, BarrierLayout.MAGIC_OFFSET);
        if (magic != BarrierLayout.MAGIC) {
            throw overwritten("its magic word is 0x" + Long.toHexString(magic) + ", not 0x" + Long.toHexString(BarrierLayout.MAGIC));
        }
        long p = (long) LONG.get(seg, BarrierLayout.PARTIES_OFFSET);
        if (p != parties) throw overwritten("it now says " + p + " parties, not " + parties);
    }

    private IllegalStateException overwritten(String what) {
        return new IllegalStateException("the shared barrier" + where() + " was re-initialised, zeroed or overwritten by another "
                + "process: " + what + "; no wait on it can be trusted: create a new barrier");
    }

    /**
     * The JVM's fault on the barrier's page, which a truncation of its file removed, as an
     * IllegalStateException; any other InternalError as it is.
     */
    private IllegalStateException truncated(InternalError e) {
        if (!dev.paralelo.internal.MappingFault.is(e)) throw e;
        return new IllegalStateException("the shared barrier's file" + where() + " was truncated by another process while "
                + "mapped: its page is gone (the JVM reported: " + e.getMessage() + "); create a new barrier", e);
    }

    /** " (PATH)" for a barrier opened or created by name, else nothing. */
    private String where() {
        return owner == null ? "" : " (" + owner.path() + ")";
    }

    private static BrokenBarrierException broken() {
        return new BrokenBarrierException("the shared barrier is broken: a wait on it timed out; create a new one");
    }

    /** Closes the file mapping if this barrier was created or opened by name. */
    @Override
    public void close() {
        if (owner != null) owner.close();
    }
}
