package dev.paralelo;

import dev.paralelo.kernel.States;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What every partial state shares: its kind and the words of its C struct, the encoding
 * (docs/FORMAT.md, "Partial states"), and equality of words. Subclasses keep the words
 * canonical, never expose the array, and never change it after construction.
 */
abstract sealed class StateWords permits ExactSum, IntegerSum, Extremum, CenteredSums, IntegerMoments {
    /** The struct's words; owned by this state. */
    final long[] w;
    private final int kind;

    StateWords(int kind, long[] words) {
        this.kind = kind;
        this.w = words;
    }

    /**
     * The words of this state merged with other's ({@code pl_merge}).
     *
     * @throws IllegalArgumentException if other is not the same kind of state, or the states
     *     do not merge (see {@link Partial#merge})
     */
    final long[] mergedWords(Partial other) {
        if (other == null || other.getClass() != getClass()) {
            throw new IllegalArgumentException("cannot merge " + (other == null ? "null" : other.getClass().getSimpleName())
                    + " into " + getClass().getSimpleName() + ": partial states merge only with their own kind");
        }
        long[] r = w.clone();
        States.merge(kind, r, ((StateWords) other).w);
        return r;
    }

    /**
     * merged, unless its words leave what the decoder accepts (what any reduction of up to 2^62
     * elements reaches): then IllegalArgumentException. Only states that no reduction made, such as
     * decoded hostile bytes at the edge of the range, can merge past it; without this check an
     * integer sum merged with itself 60 times wrapped around its 256 bits, and a merged exact
     * sum encoded to bytes its own decoder refused.
     */
    static <S extends StateWords> S inRange(S merged, Runnable decoderCheck) {
        try {
            decoderCheck.run();
        } catch (PartialFormatException e) {
            throw new IllegalArgumentException("the merged state passes what any reduction of 2^62 elements reaches, so one "
                    + "of the states merged did not come from a reduction (" + e.getMessage() + ")", e);
        }
        return merged;
    }

    /** The variance of a variance state with ddof degrees of freedom removed ({@code pl_variance_result}). */
    final double varianceOf(int ddof) {
        if (ddof < 0) throw new IllegalArgumentException("ddof must be >= 0, got " + ddof);
        return States.variance(kind, w, ddof);
    }

    /**
     * The {@code PL_STATE_*} kind code of paralelo.h, as in the encoding's header.
     *
     * @return one of the {@code PL_STATE_*} codes; each kind has one implementing class
     */
    public final int kind() {
        return kind;
    }

    /**
     * The number of bytes the encoding takes.
     *
     * @return the encoded size in bytes: the 16-byte header plus 8 bytes per word
     */
    public final int encodedLength() {
        return PartialCodec.HEADER + 8 * w.length;
    }

    /**
     * Writes the encoding at out's position (little-endian whatever out's order) and advances it.
     *
     * @param out the buffer to write into, with at least {@link #encodedLength()} bytes remaining
     * @throws java.nio.BufferOverflowException if out has too little room left
     * @throws java.nio.ReadOnlyBufferException if out is read-only
     */
    public final void writeTo(ByteBuffer out) {
        PartialCodec.write(out, kind, w);
    }

    /**
     * The packed encoding: header (flags 1), a bitmap of the words that differ from the word before, those words.
     *
     * @return a new array holding the packed encoding
     */
    public final byte[] toPackedBytes() {
        return PartialCodec.packed(kind, w);
    }

    /** States are equal when they are of one kind and their canonical words are equal. */
    @Override
    public final boolean equals(Object o) {
        return o instanceof StateWords s && s.kind == kind && Arrays.equals(w, s.w);
    }

    @Override
    public final int hashCode() {
        return 31 * kind + Arrays.hashCode(w);
    }
}
