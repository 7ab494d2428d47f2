package dev.paralelo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A typed view of elements in a {@link MemorySegment}: off-heap memory from an {@link Arena},
 * a mapped file, or a Java array. Off-heap arrays that Paralelo allocates are 64-byte aligned.
 *
 * <p>Arrays do not own memory: the arena (or the mapping) does, and once it is closed every use
 * of the array raises {@link IllegalStateException} naming the array, never a crash. A mapped
 * file that another process truncates is checked for by the kernels and by the bulk operations
 * (copies, {@code toArray}, slices), which then throw IllegalStateException too; a single
 * {@code get} or {@code set} does not check (a system call per element), and when it touches a
 * page the truncation removed the JVM raises its own {@link InternalError} ("a fault occurred in
 * an unsafe memory access operation"), again not a crash. Element
 * reads and writes are plain (not atomic, no ordering); share between threads with the usual
 * happens-before edges, or through the kernels, which only read their inputs.
 */
public abstract sealed class NumArray permits F64Array, F32Array, I64Array, I32Array {
    /** Off-heap alignment of arrays that Paralelo allocates, in bytes. */
    public static final long ALIGNMENT = 64;

    /**
     * Whether element accessors check indices themselves (with a message that names the array).
     * The segment still checks bounds when this is off: {@code -Dparalelo.boundsChecks=false}
     * only removes the duplicate check.
     */
    public static final boolean SHOULD_BOUNDS_CHECK =
            !"false".equals(System.getProperty("paralelo.boundsChecks"));

    final MemorySegment segment;
    final long length;
    final AccessCheck check; // null when the segment's scope is all there is to check

    NumArray(MemorySegment segment, DType type, AccessCheck check) {
        Objects.requireNonNull(segment, "segment");
        if (segment.byteSize() % type.size() != 0) {
            throw new IllegalArgumentException("a " + type.label() + " array needs a multiple of "
                    + type.size() + " bytes, but the segment has " + segment.byteSize());
        }
        if (segment.isNative() && segment.address() % type.size() != 0) {
            throw new IllegalArgumentException("a " + type.label() + " array must be aligned to "
                    + type.size() + " bytes; the segment starts at 0x" + Long.toHexString(segment.address()));
        }
        this.segment = segment;
        this.length = segment.byteSize() / type.size();
        this.check = check;
    }

    static MemorySegment allocateSegment(Arena arena, long n, DType type) {
        Objects.requireNonNull(arena, "arena");
        if (n < 0) throw new IllegalArgumentException("negative length " + n);
        if (n > Long.MAX_VALUE / type.size()) throw new IllegalArgumentException("length " + n + " is too large");
        return arena.allocate(n * type.size(), ALIGNMENT);
    }

    /** An array of type over seg (no check beyond the segment's own scope). */
    static NumArray wrapAs(DType type, MemorySegment seg) {
        return switch (type) {
            case F64 -> F64Array.wrap(seg);
            case F32 -> F32Array.wrap(seg);
            case I64 -> I64Array.wrap(seg);
            case I32 -> I32Array.wrap(seg);
        };
    }

    /**
     * The element type.
     *
     * @return the type of every element: {@link DType#F64} for an {@link F64Array}, and so on
     */
    public abstract DType dtype();

    /**
     * Number of elements.
     *
     * @return the element count, at least 0
     */
    public final long length() {
        return length;
    }

    /**
     * The memory behind the array ({@code length() * dtype().size()} bytes).
     *
     * @return the segment the elements live in, starting at element 0; closing the arena or mapping
     *     that owns it ends the array too
     */
    public final MemorySegment segment() {
        return segment;
    }

    /**
     * Whether the memory is still accessible (its arena or mapping is open).
     *
     * @return false once the arena or mapping that owns the memory has been closed
     */
    public final boolean isAlive() {
        return segment.scope().isAlive();
    }

    /**
     * Whether writes are rejected (a read-only mapping or view).
     *
     * @return true if the segment is read-only, so every setter and kernel output throws
     *     {@link ReadOnlyArrayException}
     */
    public final boolean isReadOnly() {
        return segment.isReadOnly();
    }

    /**
     * IllegalStateException if the memory has been released or its {@link AccessCheck} fails;
     * WrongThreadException if it is confined to another thread. The thread is checked here, and
     * not only by the first access, so that every kernel and every length behaves the same: a
     * kernel of an empty array touches no memory, and a Vector API kernel returned 0.0 for an
     * empty array of another thread's arena where the native call threw.
     */
    public final void checkAlive() {
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException("the " + describe() + " is no longer accessible: its arena or mapping was closed");
        }
        if (!segment.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("the " + describe() + " is confined to another thread (its arena is confined)");
        }
        if (check != null) check.check();
    }

    final void checkWritable() {
        if (segment.isReadOnly()) {
            throw new ReadOnlyArrayException("the " + describe() + " is read-only (it was opened or viewed read-only)");
        }
    }

    final void checkIndex(long i) {
        if (SHOULD_BOUNDS_CHECK && (i < 0 || i >= length)) {
            throw new IndexOutOfBoundsException("index " + i + " outside " + describe());
        }
    }

    final MemorySegment sliceSegment(long from, long to) {
        if (from < 0 || to < from || to > length) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") outside " + describe());
        }
        long s = dtype().size();
        return segment.asSlice(from * s, (to - from) * s);
    }

    /**
     * A view of elements [from, to), sharing memory with this array.
     *
     * @param from first element of the view, inclusive, in [0, length()]
     * @param to end of the view, exclusive, in [from, length()]
     * @return an array of to - from elements of the same type whose element 0 is element from of
     *     this one; it is read-only if this one is
     * @throws IndexOutOfBoundsException if the range does not lie inside this array
     */
    public abstract NumArray slice(long from, long to);

    /**
     * e.g. "f64 array of 1000 elements".
     *
     * @return a short description (type and length) for messages
     */
    public final String describe() {
        return dtype().label() + " array of " + length + " elements";
    }

    /**
     * The elements as numpy's {@code repr} shows them: {@code array([0.1 , 0.25])},
     * {@code array([1, 2, 3], dtype=int32)}; more than 1000 elements are shortened to the first
     * and last three around {@code ...}. Reads at most those elements. A closed array, or one
     * whose file was truncated, prints {@link #describe()} with the reason instead.
     */
    @Override
    public String toString() {
        if (!isAlive()) return describe() + " (closed)";
        try {
            return NumpyRepr.of(this);
        } catch (IllegalStateException e) {
            return describe() + " (unreadable: " + e.getMessage() + ")";
        }
    }
}
