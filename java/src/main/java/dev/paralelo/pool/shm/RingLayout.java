package dev.paralelo.pool.shm;

/**
 * Byte layout of one ring in shared memory, the Java twin of {@code struct pl_ring} and
 * {@code struct pl_ring_slot} in {@code paralelo.h} (a test checks that the two agree). Offsets
 * are from the start of the ring, which is 64-byte aligned.
 *
 * <p>A ring has {@code slots} slots (a power of two), each a {@link #SLOT_LENGTH}-byte
 * descriptor, an int64 owner word and {@code slotBytes} bytes of data: first the descriptors,
 * then the owner words, then the data. The owner words are not in slot order: the owner of
 * slot {@code s} is owner word number {@code (s & 7) * (slots / 8) + (s >> 3)} (see
 * {@link #ownerOffset}). Positions are int64 counters that only grow;
 * position {@code p} uses slot {@code p & (slots - 1)}. A frame of {@code n} bytes occupies
 * {@code max(1, ceil(n / slotBytes))} consecutive positions, its bytes contiguous in the data
 * area except where they wrap past its end. The two cursors each have 128 bytes (two cache
 * lines, the span of the adjacent-line prefetcher) to themselves, so producers claiming at the
 * tail do not slow consumers claiming at the head.
 *
 * <p>A slot's sequence word says what its current position {@code p} holds: {@code p} free (or
 * claimed by a producer that has not published yet), {@code p + 1} published. Releasing the slot
 * stores {@code p + slots}, which is free for the position one lap later. The owner word is
 * {@code (lap << 32) | who}, where lap is {@code (p >>> log2(slots))} truncated to 32 bits and
 * who is 0 (nobody), a producer's pid, {@link #READER} | a consumer's pid, or
 * {@link #RECLAIMED}; every change of owner is a compare-and-set, so the parent and a stalled
 * process never both own a record (docs/FORMAT.md, "Ring file").
 */
public final class RingLayout {
    private RingLayout() {}

    /** int64 next position a producer claims (compare-and-set). */
    public static final long TAIL_OFFSET = 0;
    /** int64 next position a consumer claims (compare-and-set). */
    public static final long HEAD_OFFSET = 128;
    /** Start of the slot descriptors, {@link #SLOT_LENGTH} bytes each; the owner words follow them, then the data. */
    public static final long SLOTS_OFFSET = 256;

    /** Bytes of one slot descriptor. */
    public static final int SLOT_LENGTH = 32;
    /** int64 in a descriptor: the sequence word (free at p, published at p + 1). */
    public static final int SEQUENCE_OFFSET = 0;
    /** int32 in a descriptor: the frame's length in bytes, or minus the positions of a skipped (poisoned) record. */
    public static final int FRAME_LENGTH_OFFSET = 8;

    /** Bit of an owner's who: the record was taken by the consumer whose pid is in the low bits. */
    public static final int READER = 0x4000_0000;
    /** An owner's who: the record was taken over by the parent (its owner died or stalled). */
    public static final int RECLAIMED = 0x8000_0000;
    /** Largest pid an owner word holds (Linux's pid_max is at most 2^22). */
    public static final int MAX_PID = (1 << 22) - 1;

    /** Smallest and largest slot data size in bytes (powers of two). */
    public static final int MIN_SLOT_BYTES = 8, MAX_SLOT_BYTES = 1 << 16;
    /** Smallest and largest number of slots (powers of two). */
    public static final int MIN_SLOTS = 16, MAX_SLOTS = 1 << 24;

    /**
     * Offset of the owner words of a ring with this many slots.
     *
     * @param slots the ring's slot count
     * @return {@link #SLOTS_OFFSET} plus slots descriptors of {@link #SLOT_LENGTH} bytes
     */
    public static long ownersOffset(int slots) {
        return SLOTS_OFFSET + (long) slots * SLOT_LENGTH;
    }

    /**
     * Offset of the owner word of position pos in a ring with this many slots.
     *
     * <p>A producer compare-and-sets the owner word of the record it has just claimed. Inside the
     * descriptor (ring version 1) that locked write waited for the line the consumer was polling,
     * and two producers claiming neighbouring positions fought over one line; so the owner words
     * lie after the descriptors, those of 8 consecutive positions on 8 different lines (in rings of
     * 64 slots or more; smaller rings share lines between fewer). Two claiming producers to one
     * consumer (32-byte frames, threads of one JVM, 2-core Zen 4, variants alternated): 8-10 M
     * frames/s with the owner in the descriptor, 11-13 M with the owner words in slot order,
     * 14-16 M spread so; Agrona's {@code ManyToOneRingBuffer} 15-18 M.
     *
     * @param slots the ring's slot count, a power of two of at least {@link #MIN_SLOTS}
     * @param pos a position, at least 0
     * @return {@link #ownersOffset} plus 8 times the owner word's number
     */
    public static long ownerOffset(int slots, long pos) {
        long s = pos & (slots - 1);
        return ownersOffset(slots) + (((s & 7) * (slots >>> 3) + (s >>> 3)) << 3);
    }

    /**
     * Offset of the data area of a ring with this many slots.
     *
     * @param slots the ring's slot count
     * @return {@link #ownersOffset} plus slots owner words of 8 bytes
     */
    public static long dataOffset(int slots) {
        return ownersOffset(slots) + (long) slots * 8;
    }

    /**
     * Bytes of a whole ring: header, descriptors, owner words, data, rounded up to 128.
     *
     * @param slots the ring's slot count, a power of two in [{@link #MIN_SLOTS},
     *     {@link #MAX_SLOTS}]
     * @param slotBytes data bytes per slot, a power of two in [{@link #MIN_SLOT_BYTES},
     *     {@link #MAX_SLOT_BYTES}]
     * @return the ring's size in bytes, a multiple of 128
     */
    public static long length(int slots, int slotBytes) {
        long end = dataOffset(slots) + (long) slots * slotBytes;
        return (end + 127) & ~127L;
    }
}
