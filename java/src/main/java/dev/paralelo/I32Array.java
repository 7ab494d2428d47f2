package dev.paralelo;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** An array of {@code int} elements ({@link DType#I32}); see {@link NumArray}. */
public final class I32Array extends NumArray {
    private I32Array(MemorySegment segment) {
        super(segment, DType.I32);
    }

    @Override
    public DType dtype() {
        return DType.I32;
    }

    /** n zeroed elements, 64-byte aligned, owned by arena. */
    public static I32Array allocate(Arena arena, long n) {
        return new I32Array(allocateSegment(arena, n, DType.I32));
    }

    /** n zeroed elements in memory the garbage collector frees once the array is unreachable. */
    public static I32Array allocate(long n) {
        return allocate(Arena.ofAuto(), n);
    }

    /** A view of an existing segment (its size must be a multiple of int's size). */
    public static I32Array wrap(MemorySegment segment) {
        return new I32Array(segment);
    }

    /** A view of a Java array, no copy. Kernels read small heap arrays in place; large ones are copied off-heap per call. */
    public static I32Array wrap(int[] values) {
        return new I32Array(MemorySegment.ofArray(Objects.requireNonNull(values, "values")));
    }

    /** A new off-heap array (automatic arena) holding a copy of values. */
    public static I32Array of(int... values) {
        I32Array a = allocate(values.length);
        MemorySegment.copy(MemorySegment.ofArray(values), 0, a.segment, 0, a.segment.byteSize());
        return a;
    }

    /** Element i. */
    public int get(long i) {
        checkIndex(i);
        return segment.getAtIndex(JAVA_INT_UNALIGNED, i);
    }

    /** Sets element i. */
    public void set(long i, int value) {
        checkIndex(i);
        segment.setAtIndex(JAVA_INT_UNALIGNED, i, value);
    }

    /** A copy of the elements in a new Java array (at most 2^31 - 1 elements). */
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
        return new I32Array(sliceSegment(from, to));
    }
}
