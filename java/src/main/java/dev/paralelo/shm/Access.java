package dev.paralelo.shm;

/** How a shared array is mapped: {@link SharedArray#open(String, Access)}. */
public enum Access {
    /**
     * A read-only mapping: every write through it (element sets, atomics, kernel outputs) raises
     * {@link dev.paralelo.ReadOnlyArrayException}; writes by other processes stay visible.
     */
    READ_ONLY,
    /** A read-write mapping of a file the caller owns: writes are seen by every process mapping it. */
    READ_WRITE;

    boolean writable() {
        return this == READ_WRITE;
    }
}
