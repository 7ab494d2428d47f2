package dev.paralelo;

import dev.paralelo.internal.ffi.ParaleloLib;
import dev.paralelo.kernel.Reductions;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The one partition of [0, n) that partial states may be computed over: whole blocks of
 * {@link #BLOCK} elements, block boundaries at multiples of {@link #BLOCK} from element 0.
 *
 * <p>Every reduction's order of operations is fixed per block, and blocks combine exactly, so
 * partials of block-aligned ranges merge to the bits of one call over the whole array. A range
 * that starts or ends inside a block would split a block's lanes, and its partial could not
 * merge to those bits: {@link Kernels#partial(Reduction, NumArray, BlockRange)} refuses it.
 *
 * <p>{@link #of(long, int)} splits into k parts: part i holds blocks [B*i/k, B*(i+1)/k) with
 * B = ceil(n / BLOCK), the same rule as the C library's {@code pl_partition}, which its
 * threads use. In-process threads, worker processes and MPI ranks all split this way.
 * {@link #byLength} cuts fixed-length tasks instead. Instances are immutable.
 */
public final class BlockPartition extends AbstractList<BlockRange> implements RandomAccess {
    /** Elements per block ({@code PL_BLOCK}). */
    public static final int BLOCK = ParaleloLib.PL_BLOCK;

    private final long n;
    private final int parts;
    private final long length; // > 0: fixed-length ranges; 0: `parts` balanced parts

    private BlockPartition(long n, int parts, long length) {
        this.n = n;
        this.parts = parts;
        this.length = length;
    }

    /**
     * [0, n) in `parts` block-aligned parts, as even as whole blocks allow (some may be empty).
     *
     * @param n the number of elements to split, in [0, 2^62]
     * @param parts how many ranges, at least 1; parts beyond the number of blocks are empty
     * @return the partition, whose {@code get(i)} is part i
     * @throws IllegalArgumentException if n is outside [0, 2^62] or parts is below 1
     */
    public static BlockPartition of(long n, int parts) {
        checkLength(n);
        if (parts < 1) throw new IllegalArgumentException("parts must be >= 1, got " + parts);
        return new BlockPartition(n, parts, 0);
    }

    /**
     * [0, n) in consecutive ranges of `length` elements (a multiple of BLOCK), the last shorter.
     *
     * @param n the number of elements to split, in [0, 2^62]
     * @param length elements per range: a positive multiple of {@link #BLOCK}, at most 2^62
     * @return the partition into ceil(n / length) ranges (one empty range when n is 0)
     * @throws IllegalArgumentException if n is out of range, length is not such a multiple, or
     *     there would be more than Integer.MAX_VALUE ranges
     */
    public static BlockPartition byLength(long n, long length) {
        checkLength(n);
        if (length < BLOCK || length % BLOCK != 0 || length > MAX_ELEMENTS) {
            throw new IllegalArgumentException("range length must be a positive multiple of " + BLOCK
                    + " up to 2^62, got " + length);
        }
        long count = Math.max(1, n / length + (n % length != 0 ? 1 : 0));
        if (count > Integer.MAX_VALUE) throw new IllegalArgumentException(count + " ranges are too many for one partition");
        return new BlockPartition(n, (int) count, length);
    }

    /**
     * The whole of [0, n) as one range.
     *
     * @param n the number of elements, at least 0
     * @return [0, n), which is always block-aligned
     */
    public static BlockRange whole(long n) {
        return new BlockRange(0, n);
    }

    /** The most elements a partition covers: 2^62, more than any array holds. */
    public static final long MAX_ELEMENTS = 1L << 62;

    private static void checkLength(long n) {
        if (n < 0 || n > MAX_ELEMENTS) throw new IllegalArgumentException("n must be in [0, 2^62], got " + n);
    }

    /**
     * The number of elements partitioned.
     *
     * @return n, the length of [0, n)
     */
    public long elements() {
        return n;
    }

    @Override
    public int size() {
        return parts;
    }

    @Override
    public BlockRange get(int index) {
        if (index < 0 || index >= parts) throw new IndexOutOfBoundsException("part " + index + " of " + parts);
        if (length > 0) {
            long start = Math.min(n, index * length); // index * length < n + length <= 2^63
            return new BlockRange(start, n - start <= length ? n : start + length);
        }
        long[] r = Reductions.partition(n, parts, index);
        return new BlockRange(r[0], r[1]);
    }

    /**
     * Whether partials over r (of an array of n elements) merge to the whole array's bits.
     *
     * @param n the number of elements of the array
     * @param r a range of that array's indices
     * @return true if r ends at or before n and each end is a multiple of {@link #BLOCK} or n
     */
    public static boolean isAligned(long n, BlockRange r) {
        return r.end() <= n && (r.start() % BLOCK == 0 || r.start() == n) && (r.end() % BLOCK == 0 || r.end() == n);
    }

    /**
     * Checks that r lies in [0, n) with both ends on block boundaries (or at n).
     *
     * @param n the number of elements of the array
     * @param r the range to check
     * @throws IndexOutOfBoundsException if r ends past n
     * @throws IllegalArgumentException if an end is inside a block
     */
    public static void checkAligned(long n, BlockRange r) {
        if (r.end() > n) throw new IndexOutOfBoundsException("range " + r + " ends past the array's " + n + " elements");
        if (!isAligned(n, r)) {
            throw new IllegalArgumentException("range " + r + " of an array of " + n + " elements is not block-aligned: "
                    + "each end must be a multiple of " + BLOCK + " or the array's end, or its partial would not merge "
                    + "to the bits of the whole array (take ranges from BlockPartition)");
        }
    }
}
