package dev.paralelo;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** An array of {@code long} elements ({@link DType#I64}); see {@link NumArray}. */
public final class I64Array extends NumArray {
    private I64Array(MemorySegment segment) {
        super(segment, DType.I64);
    }

    @Override
    public DType dtype() {
        return DType.I64;
    }

    /** n zeroed elements, 64-byte aligned, owned by arena. */
    public static I64Array allocate(Arena arena, long n) {
        return new I64Array(allocateSegment(arena, n, DType.I64));
    }

    /** n zeroed elements in memory the garbage collector frees once the array is unreachable. */
    public static I64Array allocate(long n) {
        return allocate(Arena.ofAuto(), n);
    }

    /** A view of an existing segment (its size must be a multiple of long's size). */
    public static I64Array wrap(MemorySegment segment) {
        return new I64Array(segment);
    }

    /** A view of a Java array, no copy. Kernels read small heap arrays in place; large ones are copied off-heap per call. */
    public static I64Array wrap(long[] values) {
        return new I64Array(MemorySegment.ofArray(Objects.requireNonNull(values, "values")));
    }

    /** A new off-heap array (automatic arena) holding a copy of values. */
    public static I64Array of(long... values) {
        I64Array a = allocate(values.length);
        MemorySegment.copy(MemorySegment.ofArray(values), 0, a.segment, 0, a.segment.byteSize());
        return a;
    }

    /** Element i. */
    public long get(long i) {
        checkIndex(i);
        return segment.getAtIndex(JAVA_LONG_UNALIGNED, i);
    }

    /** Sets element i. */
    public void set(long i, long value) {
        checkIndex(i);
        segment.setAtIndex(JAVA_LONG_UNALIGNED, i, value);
    }

    /** A copy of the elements in a new Java array (at most 2^31 - 1 elements). */
    public long[] toArray() {
        checkAlive();
        if (length > Integer.MAX_VALUE - 8) throw new IllegalStateException(describe() + " is too large for a Java array");
        long[] out = new long[(int) length];
        MemorySegment.copy(segment, 0, MemorySegment.ofArray(out), 0, segment.byteSize());
        return out;
    }

    @Override
    public I64Array slice(long from, long to) {
        checkAlive();
        return new I64Array(sliceSegment(from, to));
    }
}
