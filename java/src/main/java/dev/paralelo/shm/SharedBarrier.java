package dev.paralelo.shm;

import dev.paralelo.DType;
import dev.paralelo.I64Array;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A barrier for threads in any number of processes (Java, or C through {@code pl_barrier_wait}),
 * in shared memory laid out as {@link BarrierLayout}. Everything a party wrote before
 * {@link #await} is visible to every party after it returns (release/acquire on the generation
 * word; docs/FORMAT.md). Reusable: each completed wait starts a new generation. A wait that
 * times out leaves the barrier broken for that generation; make a new one.
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
    }

    private static MemorySegment region(MemorySegment at) {
        Objects.requireNonNull(at, "at");
        if (at.byteSize() < BarrierLayout.LENGTH) {
            throw new IllegalArgumentException("a barrier needs " + BarrierLayout.LENGTH + " bytes, got " + at.byteSize());
        }
        if (at.isNative() && at.address() % 64 != 0) throw new IllegalArgumentException("a barrier must be 64-byte aligned");
        return at.asSlice(0, BarrierLayout.LENGTH);
    }

    /** Initialises a barrier for parties parties at the start of at (64-byte aligned, 192 bytes). */
    public static SharedBarrier init(MemorySegment at, long parties) {
        if (parties < 1) throw new IllegalArgumentException("parties must be >= 1, got " + parties);
        MemorySegment s = region(at);
        LONG.set(s, BarrierLayout.PARTIES_OFFSET, parties);
        LONG.set(s, BarrierLayout.ARRIVED_OFFSET, 0L);
        LONG.set(s, BarrierLayout.GENERATION_OFFSET, 0L);
        LONG.setRelease(s, BarrierLayout.MAGIC_OFFSET, BarrierLayout.MAGIC);
        return new SharedBarrier(s, null);
    }

    /** Attaches to a barrier another party initialised. */
    public static SharedBarrier attach(MemorySegment at) {
        return new SharedBarrier(region(at), null);
    }

    /** Creates a named barrier file (see {@link SharedArray#resolve}). */
    public static SharedBarrier create(String name, long parties) throws IOException {
        SharedArray a = SharedArray.create(name, DType.I64, BarrierLayout.LENGTH / 8);
        init(a.array().segment(), parties);
        return new SharedBarrier(a.array().segment(), a);
    }

    /** Opens a named barrier file. */
    public static SharedBarrier open(String name) throws IOException {
        SharedArray a = SharedArray.open(name, true);
        a.array(I64Array.class);
        return new SharedBarrier(region(a.array().segment()), a);
    }

    /** Number of parties. */
    public long parties() {
        return parties;
    }

    /** Completed generations so far. */
    public long generation() {
        return (long) LONG.getAcquire(seg, BarrierLayout.GENERATION_OFFSET);
    }

    /** Waits until all parties have arrived; TimeoutException after timeout (the barrier is then broken). */
    public void await(Duration timeout) throws TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long gen = (long) LONG.getAcquire(seg, BarrierLayout.GENERATION_OFFSET);
        long arrived = (long) LONG.getAndAdd(seg, BarrierLayout.ARRIVED_OFFSET, 1L) + 1;
        if (arrived == parties) {
            LONG.set(seg, BarrierLayout.ARRIVED_OFFSET, 0L);
            LONG.setRelease(seg, BarrierLayout.GENERATION_OFFSET, gen + 1);
            return;
        }
        for (int spins = 0; (long) LONG.getAcquire(seg, BarrierLayout.GENERATION_OFFSET) == gen; spins++) {
            if (spins < 1000) {
                Thread.onSpinWait();
            } else {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("barrier wait timed out after " + timeout + " (" + arrived + " of " + parties
                            + " parties arrived)");
                }
                if (spins < 5000) Thread.yield();
                else LockSupport.parkNanos(50_000);
            }
        }
    }

    /** Closes the file mapping if this barrier was created or opened by name. */
    @Override
    public void close() {
        if (owner != null) owner.close();
    }
}
