package dev.paralelo;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** An array of {@code double} elements ({@link DType#F64}); see {@link NumArray}. */
public final class F64Array extends NumArray {
    private F64Array(MemorySegment segment, AccessCheck check) {
        super(segment, DType.F64, check);
    }

    @Override
    public DType dtype() {
        return DType.F64;
    }

    /**
     * n zeroed elements, 64-byte aligned, owned by arena.
     *
     * @param arena the arena that owns the memory; the array is usable until it closes
     * @param n the number of elements, at least 0
     * @return a new array of n elements, all 0, whose segment is 8 * n bytes
     * @throws IllegalArgumentException if n is negative or n * 8 bytes overflows a long
     */
    public static F64Array allocate(Arena arena, long n) {
        return new F64Array(allocateSegment(arena, n, DType.F64), null);
    }

    /**
     * n zeroed elements in memory the garbage collector frees once the array is unreachable.
     *
     * @param n the number of elements, at least 0
     * @return a new array of n elements, all 0, in an automatic arena
     * @throws IllegalArgumentException if n is negative or n * 8 bytes overflows a long
     */
    public static F64Array allocate(long n) {
        return allocate(Arena.ofAuto(), n);
    }

    /**
     * A view of an existing segment (its size must be a multiple of double's size).
     *
     * @param segment the memory, of a multiple of 8 bytes; off-heap memory must start at an address
     *     that is a multiple of 8
     * @return an array of segment.byteSize() / 8 elements that reads and writes segment
     * @throws IllegalArgumentException if the size is not a multiple of 8 or off-heap memory is
     *     misaligned
     */
    public static F64Array wrap(MemorySegment segment) {
        return new F64Array(segment, null);
    }

    /**
     * A view of an existing segment whose usability check runs before every kernel call on it.
     *
     * @param segment the memory, of a multiple of 8 bytes; off-heap memory must start at an address
     *     that is a multiple of 8
     * @param check run before every kernel call and bulk copy on the array and on its slices; it
     *     throws IllegalStateException when the memory may no longer be touched
     * @return an array of segment.byteSize() / 8 elements that reads and writes segment
     * @throws IllegalArgumentException if the size is not a multiple of 8 or off-heap memory is
     *     misaligned
     */
    public static F64Array wrap(MemorySegment segment, AccessCheck check) {
        return new F64Array(segment, check);
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
    public static F64Array wrap(double[] values) {
        return new F64Array(MemorySegment.ofArray(Objects.requireNonNull(values, "values")), null);
    }

    /**
     * A new off-heap array (automatic arena) holding a copy of values.
     *
     * @param values the elements to copy
     * @return a new 64-byte-aligned array of values.length elements; later changes to values do not
     *     reach it
     */
    public static F64Array of(double... values) {
        F64Array a = allocate(values.length);
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
    public double get(long i) {
        checkIndex(i);
        return segment.getAtIndex(JAVA_DOUBLE_UNALIGNED, i);
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
    public void set(long i, double value) {
        checkIndex(i);
        checkWritable();
        segment.setAtIndex(JAVA_DOUBLE_UNALIGNED, i, value);
    }

    /**
     * A copy of the elements in a new Java array (at most 2^31 - 1 elements).
     *
     * @return a new Java array of length() elements
     * @throws IllegalStateException if the memory is no longer accessible, or the array has more
     *     elements than a Java array can hold
     */
    public double[] toArray() {
        checkAlive();
        if (length > Integer.MAX_VALUE - 8) throw new IllegalStateException(describe() + " is too large for a Java array");
        double[] out = new double[(int) length];
        MemorySegment.copy(segment, 0, MemorySegment.ofArray(out), 0, segment.byteSize());
        return out;
    }

    @Override
    public F64Array slice(long from, long to) {
        checkAlive();
        return new F64Array(sliceSegment(from, to), check);
    }
}
