package dev.paralelo;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/** An array of {@code int} elements ({@link DType#I32}); see {@link NumArray}. */
public final class I32Array extends NumArray {
    /** Aligned int access; atomic access modes work across processes on mapped memory. */
    private static final VarHandle ATOMIC = ValueLayout.JAVA_INT.varHandle();
    private I32Array(MemorySegment segment, AccessCheck check) {
        super(segment, DType.I32, check);
    }

    @Override
    public DType dtype() {
        return DType.I32;
    }

    /**
     * n zeroed elements, 64-byte aligned, owned by arena.
     *
     * @param arena the arena that owns the memory; the array is usable until it closes
     * @param n the number of elements, at least 0
     * @return a new array of n elements, all 0, whose segment is 4 * n bytes
     * @throws IllegalArgumentException if n is negative or n * 4 bytes overflows a long
     */
    public static I32Array allocate(Arena arena, long n) {
        return new I32Array(allocateSegment(arena, n, DType.I32), null);
    }

    /**
     * n zeroed elements in memory the garbage collector frees once the array is unreachable.
     *
     * @param n the number of elements, at least 0
     * @return a new array of n elements, all 0, in an automatic arena
     * @throws IllegalArgumentException if n is negative or n * 4 bytes overflows a long
     */
    public static I32Array allocate(long n) {
        return allocate(Arena.ofAuto(), n);
    }

    /**
     * A view of an existing segment (its size must be a multiple of int's size).
     *
     * @param segment the memory, of a multiple of 4 bytes; off-heap memory must start at an address
     *     that is a multiple of 4
     * @return an array of segment.byteSize() / 4 elements that reads and writes segment
     * @throws IllegalArgumentException if the size is not a multiple of 4 or off-heap memory is
     *     misaligned
     */
    public static I32Array wrap(MemorySegment segment) {
        return new I32Array(segment, null);
    }

    /**
     * A view of an existing segment whose usability check runs before every kernel call on it.
     *
     * @param segment the memory, of a multiple of 4 bytes; off-heap memory must start at an address
     *     that is a multiple of 4
     * @param check run before every kernel call and bulk copy on the array and on its slices; it
     *     throws IllegalStateException when the memory may no longer be touched
     * @return an array of segment.byteSize() / 4 elements that reads and writes segment
     * @throws IllegalArgumentException if the size is not a multiple of 4 or off-heap memory is
     *     misaligned
     */
    public static I32Array wrap(MemorySegment segment, AccessCheck check) {
        return new I32Array(segment, check);
    }

    /**
     * A view of a Java array, no copy. Kernels read heap arrays in place: small calls through a
     * critical downcall; large float sums through a series of short critical calls on one thread;
     * other large kernels in the pure-Java implementation (same bits; use off-heap arrays to get
     * the native kernels on all cores).
     *
     * @param values the Java array; writes through either are seen by the other
     * @return an array of values.length elements backed by values
     */
    public static I32Array wrap(int[] values) {
        return new I32Array(MemorySegment.ofArray(Objects.requireNonNull(values, "values")), null);
    }

    /**
     * A new off-heap array (automatic arena) holding a copy of values.
     *
     * @param values the elements to copy
     * @return a new 64-byte-aligned array of values.length elements; later changes to values do not
     *     reach it
     */
    public static I32Array of(int... values) {
        I32Array a = allocate(values.length);
        MemorySegment.copy(MemorySegment.ofArray(values), 0, a.segment, 0, a.segment.byteSize());
        return a;
    }

    /**
     * Element i.
     *
     * @param i the index, in [0, length())
     * @return the element, a plain read
     * @throws IndexOutOfBoundsException if i is outside the array
     * @throws IllegalStateException if the memory is no longer accessible
     * @throws InternalError if the array maps a file that another process truncated below this
     *     element (the JVM's own error for a fault in a memory access; see {@link NumArray})
     */
    public int get(long i) {
        checkIndex(i);
        return segment.getAtIndex(JAVA_INT_UNALIGNED, i);
    }

    /**
     * Sets element i; {@link ReadOnlyArrayException} if the array is read-only.
     *
     * @param i the index, in [0, length())
     * @param value the new element, written with a plain write
     * @throws IndexOutOfBoundsException if i is outside the array
     * @throws ReadOnlyArrayException if the array is read-only
     * @throws IllegalStateException if the memory is no longer accessible
     * @throws InternalError if the array maps a file that another process truncated below this
     *     element (the JVM's own error for a fault in a memory access; see {@link NumArray})
     */
    public void set(long i, int value) {
        checkIndex(i);
        checkWritable();
        segment.setAtIndex(JAVA_INT_UNALIGNED, i, value);
    }

    /**
     * A copy of the elements in a new Java array (at most 2^31 - 1 elements).
     *
     * @return a new Java array of length() elements
     * @throws IllegalStateException if the memory is no longer accessible, or the array has more
     *     elements than a Java array can hold
     */
    public int[] toArray() {
        checkAlive();
        if (length > Integer.MAX_VALUE - 8) throw new IllegalStateException(describe() + " is too large for a Java array");
        int[] out = new int[(int) length];
        MemorySegment.copy(segment, 0, MemorySegment.ofArray(out), 0, segment.byteSize());
        return out;
    }

    @Override
    public I32Array slice(long from, long to) {
        checkAlive();
        return new I32Array(sliceSegment(from, to), check);
    }

    /**
     * Element i with acquire ordering: reads and writes after it (in this thread) are not
     * moved before it. Pairs with {@link #setRelease} in another thread or process.
     *
     * @param i the index, in [0, length())
     * @return the element as of this read
     * @throws IndexOutOfBoundsException if i is outside the array
     */
    public int getAcquire(long i) {
        checkIndex(i);
        return (int) ATOMIC.getAcquire(segment, i * 4L);
    }

    /**
     * Sets element i with release ordering: earlier reads and writes are not moved after it.
     *
     * @param i the index, in [0, length())
     * @param value the new element
     * @throws IndexOutOfBoundsException if i is outside the array
     * @throws ReadOnlyArrayException if the array is read-only
     */
    public void setRelease(long i, int value) {
        checkIndex(i);
        checkWritable();
        ATOMIC.setRelease(segment, i * 4L, value);
    }

    /**
     * Atomically sets element i to value if it holds expected (sequentially consistent).
     *
     * @param i the index, in [0, length())
     * @param expected the value element i must hold for the write to happen
     * @param value the new element
     * @return true if element i held expected and now holds value; false if it held something else
     *     and is unchanged
     * @throws IndexOutOfBoundsException if i is outside the array
     * @throws ReadOnlyArrayException if the array is read-only
     */
    public boolean compareAndSet(long i, int expected, int value) {
        checkIndex(i);
        checkWritable();
        return ATOMIC.compareAndSet(segment, i * 4L, expected, value);
    }

    /**
     * Atomically adds delta to element i and returns the previous value (sequentially consistent).
     *
     * @param i the index, in [0, length())
     * @param delta the amount to add (negative to subtract); the sum wraps around on int overflow
     * @return the element before the addition
     * @throws IndexOutOfBoundsException if i is outside the array
     * @throws ReadOnlyArrayException if the array is read-only
     */
    public int getAndAdd(long i, int delta) {
        checkIndex(i);
        checkWritable();
        return (int) ATOMIC.getAndAdd(segment, i * 4L, delta);
    }
}
