package dev.paralelo.shm;

import dev.paralelo.DType;
import dev.paralelo.I64Array;
import java.io.IOException;

/**
 * A 64-bit counter that many processes update atomically: element 0 of a shared i64 array of
 * one cache line. Every update is a sequentially consistent read-modify-write.
 *
 * <p>If another process truncates the file, the counter's page is gone: the JVM turns the fault
 * of the next update or read into an InternalError, which these methods report as an
 * {@link IllegalStateException} that says the file was truncated. (The JVM delivers that error at
 * its next safepoint check after the fault, which the methods' own returns make; a call that the
 * JIT inlined into a caller's loop may let it surface in the caller instead.)
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
     * @throws IllegalStateException if another process truncated the file, or the counter was closed
     */
    public long getAndAdd(long delta) {
        try {
            return cell.getAndAdd(0, delta);
        } catch (InternalError e) {
            throw truncated(e);
        }
    }

    /**
     * Adds one and returns the new value.
     *
     * @return the value after the addition
     * @throws IllegalStateException if another process truncated the file, or the counter was closed
     */
    public long incrementAndGet() {
        try {
            return cell.getAndAdd(0, 1) + 1;
        } catch (InternalError e) {
            throw truncated(e);
        }
    }

    /**
     * The current value (acquire).
     *
     * @return the value, read with acquire ordering
     * @throws IllegalStateException if another process truncated the file, or the counter was closed
     */
    public long get() {
        try {
            return cell.getAcquire(0);
        } catch (InternalError e) {
            throw truncated(e);
        }
    }

    /** The JVM's fault on the counter's page, which a truncation removed, as an IllegalStateException; any other InternalError as it is. */
    private IllegalStateException truncated(InternalError e) {
        if (!dev.paralelo.internal.MappingFault.is(e)) throw e;
        String size;
        try {
            size = file.currentSize() + " bytes";
        } catch (IOException | RuntimeException x) {
            size = "fewer bytes";
        }
        return new IllegalStateException(file.path() + " was truncated to " + size + " by another process while mapped: the "
                + "counter's page is gone (the JVM reported: " + e.getMessage() + "); its value is lost", e);
    }

    /** Unmaps the counter. */
    @Override
    public void close() {
        file.close();
    }

    /**
     * Unmaps the counter and removes its file, if the path still names it; a file another
     * process has put at the path since is left alone (see {@link SharedArray#delete()}).
     *
     * @return true if the file was removed; false if the path names no file or another file
     * @throws IOException if the path cannot be examined or the file cannot be removed (it is
     *     unmapped by then)
     */
    public boolean delete() throws IOException {
        return file.delete();
    }
}
