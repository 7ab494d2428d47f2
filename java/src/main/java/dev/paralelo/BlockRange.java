package dev.paralelo;

/**
 * A range [start, end) of element indices. Partials may be computed only for ranges whose ends
 * lie on block boundaries (or at the array's end): see {@link BlockPartition}.
 *
 * @param start first element, inclusive, at least 0
 * @param end last element, exclusive, at least start
 */
public record BlockRange(long start, long end) {
    /** Checks 0 &lt;= start &lt;= end. */
    public BlockRange {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("a range needs 0 <= start <= end, got [" + start + ", " + end + ")");
        }
    }

    /**
     * The number of elements, end - start.
     *
     * @return end - start, at least 0
     */
    public long length() {
        return end - start;
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + ")";
    }
}
