package dev.paralelo;

import java.nio.ByteBuffer;
import java.util.Iterator;

/**
 * The partial state of a reduction over a block-aligned range: a small immutable value that
 * merges exactly with others and finishes to the reduction's result.
 *
 * <p>Every reduction has four parts: an identity (the state of an empty range), "accumulate a
 * block-aligned range" ({@link Kernels#partial(Reduction, NumArray, BlockRange)}), {@link #merge}
 * and a finish (for instance {@link ExactSum#round()}). Merging is associative and commutative
 * and loses nothing, so the states of the ranges of any {@link BlockPartition}, made by threads,
 * worker processes, MPI ranks, or the native or the Java kernels, merge in any order to the
 * bits that one call over the whole array returns.
 *
 * <p>A partial describes the array it was computed on, and its ranges count from that array's
 * element 0. To distribute one array, take ranges of it from {@link BlockPartition}; a view
 * ({@code x.slice(a, b)}) is an array of its own whose blocks start at a, so partials of views
 * merge to the whole array's bits only when every view starts on a block boundary of it, and
 * min/max indices then count from each view's start.
 *
 * <p>Each state has a little-endian byte encoding ({@link #toBytes}), the same in every
 * language: a 16-byte header (magic {@code "PLST"}, version, kind, word count, flags) and the
 * words of its C struct (paralelo.h), laid out in docs/FORMAT.md. Decoding checks every length
 * and field and throws {@link PartialFormatException} naming the one that is wrong.
 */
public sealed interface Partial permits ExactSum, IntegerSum, Extremum, CenteredSums, IntegerMoments {
    /**
     * This state merged with another of the same kind: the state of both ranges together.
     * States record what their merge needs and no more: a min or max records its operation and
     * element type, a float variance its centre, and those must match; sums, dots and integer
     * moments record neither type nor operation (an ExactSum of f32 data merges with one of
     * f64 data: both are exact sums of doubles), so pair them as the computation needs.
     *
     * @param other a state of the same kind, over a range disjoint from this one's
     * @return a new state covering both ranges; this and other are unchanged
     * @throws IllegalArgumentException if other is another kind of state, a min state merged
     *     with a max state, min/max states of different element types, variance states centred
     *     on different means, states whose element counts together pass 2^62, or states whose
     *     sums together pass what any reduction of 2^62 elements reaches (which only states that
     *     no reduction made, such as decoded hostile bytes, can)
     */
    Partial merge(Partial other);

    /**
     * The {@code PL_STATE_*} kind code of paralelo.h, as in the encoding's header.
     *
     * @return one of the {@code PL_STATE_*} codes; each kind has one implementing class
     */
    int kind();

    /**
     * The number of bytes {@link #toBytes} returns.
     *
     * @return the encoded size in bytes: the 16-byte header plus 8 bytes per word
     */
    int encodedLength();

    /**
     * Writes the encoding at out's position (little-endian whatever out's order) and advances it.
     *
     * @param out the buffer to write into, with at least {@link #encodedLength()} bytes remaining
     * @throws java.nio.BufferOverflowException if out has too little room left
     * @throws java.nio.ReadOnlyBufferException if out is read-only
     */
    void writeTo(ByteBuffer out);

    /**
     * The encoding: header and words, little-endian.
     *
     * @return a new array of {@link #encodedLength()} bytes
     */
    default byte[] toBytes() {
        byte[] b = new byte[encodedLength()];
        writeTo(ByteBuffer.wrap(b));
        return b;
    }

    /**
     * The packed encoding: the same header with flags 1, a bitmap of the words that differ from
     * the word before them, then those words (docs/FORMAT.md). It decodes to an equal state; a sum of ordinary
     * data packs to about 100 bytes where {@link #toBytes} takes 1136. Worker processes send
     * their partials packed.
     *
     * @return a new array holding the packed encoding
     */
    byte[] toPackedBytes();

    /**
     * Decodes a whole array holding exactly one state.
     *
     * @param bytes one encoded state (plain or packed) and nothing after it
     * @return the state, of the class its kind names
     * @throws PartialFormatException if the bytes are not exactly one valid state
     */
    static Partial fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(java.util.Objects.requireNonNull(bytes, "bytes"));
        Partial p = read(in);
        if (in.hasRemaining()) {
            throw new PartialFormatException("partial state: " + in.remaining() + " bytes follow the state's " + in.position());
        }
        return p;
    }

    /**
     * Decodes one state at in's position and advances past it; nothing is consumed on error.
     *
     * @param in a buffer positioned at an encoded state (plain or packed); more bytes may follow it
     * @return the state, of the class its kind names
     * @throws PartialFormatException if the bytes at in's position are not a valid state; in's
     *     position is then unchanged
     */
    static Partial read(ByteBuffer in) {
        return PartialCodec.read(in);
    }

    /**
     * All the states merged.
     *
     * @param <P> the kind of state
     * @param parts one or more states of one kind, over disjoint ranges
     * @return their merge, in iteration order (any order gives the same state)
     * @throws IllegalArgumentException if there are none (an empty merge has no kind), or they
     *     cannot be merged
     */
    @SuppressWarnings("unchecked")
    static <P extends Partial> P mergeAll(Iterable<? extends P> parts) {
        Iterator<? extends P> it = parts.iterator();
        if (!it.hasNext()) throw new IllegalArgumentException("no partial states to merge");
        P acc = it.next();
        if (acc instanceof ExactSum first) return (P) ExactSum.mergeAll(first, (Iterator<? extends Partial>) it);
        while (it.hasNext()) acc = (P) acc.merge(it.next());
        return acc;
    }
}
