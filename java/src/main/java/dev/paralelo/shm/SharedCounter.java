package dev.paralelo.shm;

import dev.paralelo.DType;
import dev.paralelo.I64Array;
import java.io.IOException;

/**
 * A 64-bit counter that many processes update atomically: element 0 of a shared i64 array of
 * one cache line. Every update is a sequentially consistent read-modify-write.
 */
public final class SharedCounter implements AutoCloseable {
    private final SharedArray file;
    private final I64Array cell;

    private SharedCounter(SharedArray file) {
        this.file = file;
        this.cell = file.array(I64Array.class);
        if (cell.length() < 1) throw new IllegalStateException(file.path() + " has no element to count in");
    }

    /**
     * Creates a counter at zero, called name (see {@link SharedArray#resolve}).
     *
     * @param name the counter's name, as for an array
     * @return the counter, mapped read-write
     * @throws IOException if the file cannot be created (for instance one of that name exists)
     */
    public static SharedCounter create(String name) throws IOException {
        return new SharedCounter(SharedArray.create(name, DType.I64, 8));
    }

    /**
     * Opens an existing counter.
     *
     * @param name the counter's name, as passed to {@link #create}
     * @return the counter, mapped read-write
     * @throws IllegalArgumentException if the file is not an i64 array
     * @throws IllegalStateException if the array is empty
     * @throws IOException if it cannot be opened, as for
     *     {@link SharedArray#open(java.nio.file.Path, boolean)}
     */
    public static SharedCounter open(String name) throws IOException {
        return new SharedCounter(SharedArray.open(name, true));
    }

    /**
     * Adds delta and returns the previous value.
     *
     * @param delta the amount to add (negative to subtract); the sum wraps around on overflow
     * @return the value before the addition
     */
    public long getAndAdd(long delta) {
        return cell.getAndAdd(0, delta);
    }

    /**
     * Adds one and returns the new value.
     *
     * @return the value after the addition
     */
    public long incrementAndGet() {
        return cell.getAndAdd(0, 1) + 1;
    }

    /**
     * The current value (acquire).
     *
     * @return the value, read with acquire ordering
     */
    public long get() {
        return cell.getAcquire(0);
    }

    /** Unmaps the counter. */
    @Override
    public void close() {
        file.close();
    }

    /**
     * Unmaps and removes the file.
     *
     * @throws IOException if the file cannot be removed (it is unmapped by then)
     */
    public void delete() throws IOException {
        file.delete();
    }
}
