package dev.paralelo.pool.shm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A bounded lock-free ring of variable-size frames in shared memory, for any number of
 * producers and consumers in any number of processes, laid out as {@link RingLayout}.
 *
 * <p>Protocol (docs/FORMAT.md, "Ring file"; a bounded queue with one sequence word per slot):
 * <ul>
 *   <li>A producer reads the tail t, checks that the k slots a frame needs are free for
 *       positions t..t+k-1 (sequence {@code == position}, acquire, or seen so before: a free
 *       position stays free until a claim moves the tail past it), claims them with a
 *       compare-and-set of the tail from t to t+k, takes the record with a compare-and-set of
 *       the first slot's owner word from a word that names nobody this lap (the lap before's,
 *       or (lap, nobody)) to (lap, its pid), writes the length and the bytes, and publishes with
 *       a release store of sequence t+1.
 *   <li>A consumer reads the head h and the sequence of h (acquire); at h+1 the record is
 *       published: it reads the length, claims the record's positions with a compare-and-set of
 *       the head, takes the record with a compare-and-set of the owner word from (lap, producer)
 *       to (lap, {@link RingLayout#READER} | its pid), copies the bytes out, and releases every
 *       slot: owner (next lap, nobody) except the first slot's, then sequence
 *       {@code position + slots} with release. The first slot's owner word keeps this lap's
 *       word, which names nobody for the next lap; so the consumer never writes the owner line
 *       the next lap's producer will compare-and-set.
 * </ul>
 * A consumer acquires the sequence the producer released after writing, so it never sees a
 * half-written frame; a producer acquires the sequence the consumer released after reading, so
 * it never overwrites a frame being read. Both compare-and-sets on the owner word lose to the
 * parent's {@link RingSweeper} when it reclaims a record whose owner died: a stalled process
 * then drops what it held (a producer retries, a consumer skips the frame) instead of racing
 * with the parent.
 *
 * <p>Sole ends. The parent is the only producer of the task ring and the only consumer of the
 * result ring, and it is also their sweeper, on the same thread. Its ends say so
 * ({@link #ShmRing(MemorySegment, int, int, int, long, boolean, boolean)}) and skip what only
 * protects one claimer from another: a sole producer moves the tail with a plain release store
 * after it has published (so the sweeper never finds its records claimed and unpublished), and
 * records itself with a plain store; a sole consumer moves the head with a release store and
 * takes no record by compare-and-set, since nobody can take one from it between its claim and
 * its release. The words it leaves are the protocol's, so the other ends (Java or C) cannot tell
 * the difference. Nobody else may then produce (or consume) on that ring.
 *
 * <p>Thread safety: {@link #offer}, {@link #poll} and {@link #drain} may be called by any
 * number of threads and processes at once, except on a sole end: its own side (offers on a sole
 * producer, polls and drains on a sole consumer) belongs to one thread, and no other process may
 * act on that side of the ring (a sole producer that finds the tail moved by someone else, or
 * one of its next positions claimed, throws {@link IllegalStateException}). The methods never
 * block: waiting is the caller's (see {@link Backoff}).
 */
public final class ShmRing {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int SLOT_SHIFT = Integer.numberOfTrailingZeros(RingLayout.SLOT_LENGTH);

    /** Receives frames from {@link #drain}. */
    @FunctionalInterface
    public interface FrameHandler {
        /**
         * One frame: its bytes are {@code frame[0, frame.byteSize())}, valid only during the
         * call (they are in the ring, or a copy when the frame wraps past its end).
         *
         * @param frame the frame's bytes, a segment of exactly the frame's length; do not keep it
         */
        void onFrame(MemorySegment frame);
    }

    private final MemorySegment seg;
    private final int slots;
    private final long mask;
    private final int lapShift;
    private final int slotBytes;
    private final int slotBytesShift;
    private final int maxFrame;
    private final long dataOffset;
    private final long dataEnd;
    private final int who;
    private final boolean soleProducer, soleConsumer;
    /*
     * What this object changes as it runs lies in two padded arrays, one per end, not in fields: the
     * producers' words (a sole producer's tail, and the free mark, see scanFree) and the consumers'
     * (a sole consumer's head). Threads of one JVM that share a ring object read its final fields on
     * every call; as fields beside them, the words a producer stored on every offer took that line
     * away from the consumer on every drain, and back (false sharing). The words sit PAD longs into
     * arrays of 2 * PAD, so at least 112 bytes (about two lines, the adjacent-line prefetcher's span)
     * separate them from any other object. One producer and one consumer thread, rounds of 2 M
     * 32-byte messages, the two layouts and Agrona's one-to-one ring alternating (2-core AMD EPYC,
     * Zen 5): medians 6.7 M/s as fields, 16.2 M/s padded, Agrona 13.1 M/s; with both ends sole, 10.3
     * M/s, 16.9 M/s and 10.7 M/s.
     */
    private static final int PAD = 16, SOLE_TAIL = PAD, FREE = PAD + 1, SOLE_HEAD = PAD;
    private final long[] producerWords = new long[2 * PAD], consumerWords = new long[2 * PAD];
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    /** Positions a producer looks ahead for free slots when it has none known (see scanFree). */
    private static final int SCAN = 64;

    /**
     * A ring over seg (at least {@link RingLayout#length} bytes, 64-byte aligned when native),
     * used by the process whose pid is pid (recorded as the owner of the records it takes).
     * Does not initialise the memory: see {@link #init}.
     *
     * @param seg the ring's memory, shared with the other processes
     * @param slotBytes data bytes per slot, as the ring was initialised with
     * @param slots the number of slots, as the ring was initialised with
     * @param maxFrame the largest frame, in bytes, this process will offer or accept
     * @param pid this process's pid, in [1, {@link RingLayout#MAX_PID}]
     * @throws IllegalArgumentException if the geometry is invalid, seg is too small or misaligned,
     *     or pid is out of range
     */
    public ShmRing(MemorySegment seg, int slotBytes, int slots, int maxFrame, long pid) {
        this(seg, slotBytes, slots, maxFrame, pid, false, false);
    }

    /**
     * A ring as {@link #ShmRing(MemorySegment, int, int, int, long)}, used by this process as its
     * only producer, or its only consumer, or both (see "Sole ends" above): the parent's ends.
     *
     * @param seg the ring's memory, shared with the other processes
     * @param slotBytes data bytes per slot, as the ring was initialised with
     * @param slots the number of slots, as the ring was initialised with
     * @param maxFrame the largest frame, in bytes, this process will offer or accept
     * @param pid this process's pid, in [1, {@link RingLayout#MAX_PID}]
     * @param soleProducer whether this object makes every offer on the ring, from one thread
     * @param soleConsumer whether this object takes every frame from the ring, from one thread
     *     (the one that sweeps it, if any)
     * @throws IllegalArgumentException if the geometry is invalid, seg is too small or misaligned,
     *     or pid is out of range
     */
    public ShmRing(MemorySegment seg, int slotBytes, int slots, int maxFrame, long pid, boolean soleProducer, boolean soleConsumer) {
        checkGeometry(slotBytes, slots, maxFrame);
        Objects.requireNonNull(seg, "seg");
        long need = RingLayout.length(slots, slotBytes);
        if (seg.byteSize() < need) throw new IllegalArgumentException("a ring of " + slots + " slots of " + slotBytes
                + " bytes needs " + need + " bytes, got " + seg.byteSize());
        if (seg.isNative() && seg.address() % 64 != 0) throw new IllegalArgumentException("a ring must be 64-byte aligned");
        if (pid < 1 || pid > RingLayout.MAX_PID) throw new IllegalArgumentException("pid " + pid + " is outside [1, " + RingLayout.MAX_PID + "]");
        this.seg = seg.asSlice(0, need);
        this.slots = slots;
        this.mask = slots - 1;
        this.lapShift = Integer.numberOfTrailingZeros(slots);
        this.slotBytes = slotBytes;
        this.slotBytesShift = Integer.numberOfTrailingZeros(slotBytes);
        this.maxFrame = maxFrame;
        this.dataOffset = RingLayout.dataOffset(slots);
        this.dataEnd = dataOffset + (long) slots * slotBytes;
        this.who = (int) pid;
        this.soleProducer = soleProducer;
        this.soleConsumer = soleConsumer;
        producerWords[SOLE_TAIL] = tail();
        consumerWords[SOLE_HEAD] = head();
    }

    /**
     * IllegalArgumentException unless slotBytes and slots are powers of two within
     * {@link RingLayout}'s limits and maxFrame is in [0, slots * slotBytes / 2].
     *
     * @param slotBytes data bytes per slot
     * @param slots slots per ring
     * @param maxFrame the largest frame in bytes
     * @throws IllegalArgumentException naming the first value that is out of range
     */
    public static void checkGeometry(int slotBytes, int slots, int maxFrame) {
        if (Integer.bitCount(slotBytes) != 1 || slotBytes < RingLayout.MIN_SLOT_BYTES || slotBytes > RingLayout.MAX_SLOT_BYTES) {
            throw new IllegalArgumentException("slot bytes must be a power of two in [" + RingLayout.MIN_SLOT_BYTES + ", "
                    + RingLayout.MAX_SLOT_BYTES + "], got " + slotBytes);
        }
        if (Integer.bitCount(slots) != 1 || slots < RingLayout.MIN_SLOTS || slots > RingLayout.MAX_SLOTS) {
            throw new IllegalArgumentException("slots must be a power of two in [" + RingLayout.MIN_SLOTS + ", "
                    + RingLayout.MAX_SLOTS + "], got " + slots);
        }
        long half = (long) slots * slotBytes / 2;
        if (maxFrame < 0 || maxFrame > Math.min(half, Integer.MAX_VALUE - slotBytes)) {
            throw new IllegalArgumentException("the largest frame must be in [0, " + half + "] bytes (half the ring), got " + maxFrame);
        }
    }

    /**
     * Makes seg an empty ring: cursors 0, every slot free for its first position. Before any other process sees it.
     *
     * @param seg the ring's memory, at least {@code RingLayout.length(slots, slotBytes)} bytes
     * @param slotBytes data bytes per slot, a power of two in range
     * @param slots the number of slots, a power of two in range
     * @throws IllegalArgumentException if the geometry is invalid or seg is too small
     */
    public static void init(MemorySegment seg, int slotBytes, int slots) {
        checkGeometry(slotBytes, slots, 0);
        long need = RingLayout.length(slots, slotBytes);
        if (seg.byteSize() < need) throw new IllegalArgumentException("a ring needs " + need + " bytes, got " + seg.byteSize());
        seg.asSlice(0, RingLayout.SLOTS_OFFSET).fill((byte) 0);
        for (long i = 0; i < slots; i++) {
            long d = RingLayout.SLOTS_OFFSET + (i << SLOT_SHIFT);
            LONG.set(seg, d + RingLayout.SEQUENCE_OFFSET, i);
            LONG.set(seg, d + 8, 0L);
            LONG.set(seg, d + 16, 0L);
            LONG.set(seg, d + 24, 0L);
            LONG.set(seg, RingLayout.ownerOffset(slots, i), 0L);
        }
    }

    /**
     * The largest frame this ring carries, in bytes.
     *
     * @return the largest frame, at most half the ring's data bytes
     */
    public int maxFrameBytes() {
        return maxFrame;
    }

    /**
     * Number of slots.
     *
     * @return the slot count, a power of two
     */
    public int slots() {
        return slots;
    }

    /**
     * Data bytes per slot.
     *
     * @return the data bytes of one slot, a power of two
     */
    public int slotBytes() {
        return slotBytes;
    }

    // ---- words -------------------------------------------------------------------------------

    private long desc(long pos) {
        return RingLayout.SLOTS_OFFSET + ((pos & mask) << SLOT_SHIFT);
    }

    long sequence(long pos) {
        return (long) LONG.getAcquire(seg, desc(pos) + RingLayout.SEQUENCE_OFFSET);
    }

    private long ownerAt(long pos) {
        return RingLayout.ownerOffset(slots, pos);
    }

    long owner(long pos) {
        return (long) LONG.getAcquire(seg, ownerAt(pos));
    }

    /** The owner word of position pos held by who. */
    long ownerWord(long pos, int holder) {
        return ((pos >>> lapShift) << 32) | (holder & 0xFFFF_FFFFL);
    }

    /**
     * Whether the owner word ow names nobody for position pos: the lap before's word (what the
     * slot's last record left on its first slot), or (lap, nobody) (docs/FORMAT.md, "Owner word").
     */
    boolean namesNobody(long pos, long ow) {
        long lap = pos >>> lapShift & 0xFFFF_FFFFL;
        return ow == lap << 32 || ow >>> 32 == (lap - 1 & 0xFFFF_FFFFL);
    }

    /**
     * Records holder as the owner of the record claimed at pos, if its owner word names nobody
     * for this lap. Anything else means that the claim was taken over: this lap's word naming
     * someone (the sweeper's), or a later lap's (the sweeper published the claim inside a skipped
     * record, and the ring went on past it). A word that changes under the compare-and-set is
     * read again: the sweeper may have marked the lap before's record, which still names nobody.
     */
    boolean recordOwner(long pos, int holder) {
        for (;;) {
            long ow = owner(pos);
            if (!namesNobody(pos, ow)) return false;
            if (casOwner(pos, ow, ownerWord(pos, holder))) return true;
        }
    }

    boolean casOwner(long pos, long expected, long value) {
        return LONG.compareAndSet(seg, ownerAt(pos), expected, value);
    }

    long head() {
        return (long) LONG.getVolatile(seg, RingLayout.HEAD_OFFSET);
    }

    long tail() {
        return (long) LONG.getVolatile(seg, RingLayout.TAIL_OFFSET);
    }

    /** The frame length recorded at pos; IllegalStateException if it is outside what this ring allows. */
    int frameLength(long pos) {
        int len = (int) INT.get(seg, desc(pos) + RingLayout.FRAME_LENGTH_OFFSET);
        if (len > maxFrame || len < -slots) {
            throw new IllegalStateException("corrupt ring: the record at position " + pos + " says " + len
                    + " bytes (at most " + maxFrame + ")");
        }
        return len;
    }

    /** Positions a record of frame length len occupies (a negative len is a skipped record of -len positions). */
    int positions(int len) {
        if (len < 0) return -len;
        return len <= slotBytes ? 1 : (int) (((long) len + slotBytes - 1) >>> slotBytesShift);
    }

    // ---- producing ---------------------------------------------------------------------------

    /**
     * Queues src[off, off + len) if there is room now; false if the ring is full. Never blocks.
     *
     * @param src the array holding the frame
     * @param off where the frame starts in src
     * @param len the frame's length in bytes, 0 to {@link #maxFrameBytes()}
     * @return true if the frame was published; false if the ring had no room for it, and nothing
     *     was written
     * @throws IllegalArgumentException if len is more than {@link #maxFrameBytes()}
     * @throws IndexOutOfBoundsException if [off, off + len) is not inside src
     * @throws IllegalStateException if the ring's memory is corrupt (a cursor or sequence word
     *     that no run of the protocol leaves)
     */
    public boolean offer(byte[] src, int off, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        checkLength(len);
        int k = positions(len);
        if (soleProducer) return offerSole(src, off, len, k);
        for (;;) {
            long t = claim(k);
            if (t < 0) return false;
            if (!recordOwner(t, who)) continue; // reclaimed meanwhile: nothing written, claim again
            INT.set(seg, desc(t) + RingLayout.FRAME_LENGTH_OFFSET, len);
            copyIn(src, off, len, t);
            LONG.setRelease(seg, desc(t) + RingLayout.SEQUENCE_OFFSET, t + 1);
            return true;
        }
    }

    /** offer as the sole producer: no compare-and-set, the tail moved after the publication. */
    private boolean offerSole(byte[] src, int off, int len, int k) {
        long t = producerWords[SOLE_TAIL], end = t + k, now = tail(); // only this thread writes the tail: a read that stays in its cache
        if (now != t) throw new IllegalStateException("position " + t + " of a ring this process produces on alone was taken by "
                + "another producer (the tail is at " + now + ")");
        if (end > (long) WORD.getAcquire(producerWords, FREE)) {
            long x = scanFree(t, end);
            if (x < 0) throw new IllegalStateException("position " + ~x + " of a ring this process produces on alone was taken by "
                    + "another producer (sequence " + sequence(~x) + ")");
            if (x < end) return false; // a position below end is not released yet: full
        }
        long d = desc(t);
        LONG.set(seg, ownerAt(t), ownerWord(t, who));
        INT.set(seg, d + RingLayout.FRAME_LENGTH_OFFSET, len);
        copyIn(src, off, len, t);
        LONG.setRelease(seg, d + RingLayout.SEQUENCE_OFFSET, t + 1);
        producerWords[SOLE_TAIL] = t + k;
        LONG.setRelease(seg, RingLayout.TAIL_OFFSET, t + k);
        return true;
    }

    /*
     * Free positions. A slot whose sequence word equals a position p at or past the tail is free for
     * p: the record a lap before was released, and nobody has claimed p since, since claims move the
     * tail. It stays free until a producer claims p, which moves the tail past it. So a producer that
     * has seen positions [t, f) free can claim positions below f without reading their sequence words
     * again, as long as the tail it claims from is at least t; it keeps f in the free mark,
     * producerWords[FREE] (Agrona's producers keep a cached head for the same purpose), and reads the
     * sequences of the next SCAN positions at once when it runs out. The mark is stored with release
     * and read with acquire: a thread that writes a slot on another thread's finding then follows the
     * consumer's release of it as if it had read the sequence word itself. Before, every offer read
     * its slot's sequence word just after the consumer's release had written it, a miss between the
     * cores that the offer's branch waited on. One producer (the task ring's sole end) and one
     * consumer, threads in one JVM, interleaved rounds of 2 M 32-byte messages on the 2-core AMD EPYC
     * (Zen 5): medians 7.5 M/s before against 10.1 M/s after (faster in 35 rounds of 36), 6.2 against
     * 7.5 (28 of 36), and 18.6 against 17.9 (17 of 36) in a run where the VM was fast for both. On
     * one thread, where nothing misses, an offer and its take cost 34 ns instead of 31: the tail and
     * the free mark are read on every offer.
     */

    /**
     * Scans positions from max(tail, the free mark) on, while they are free, up to SCAN past the
     * tail (and at least to need), and records how far it got in the mark. Returns the first position
     * not known free; or ~x when position x holds a later position's claim or record (the tail
     * moved on since it was read).
     */
    private long scanFree(long tail, long need) {
        long x = Math.max(tail, (long) WORD.getAcquire(producerWords, FREE)), limit = Math.max(need, tail + SCAN);
        for (; x < limit; x++) {
            long seq = sequence(x);
            if (seq == x) continue;
            WORD.setRelease(producerWords, FREE, x);
            if (seq >= x) return ~x;
            // Below: position x - slots is not released yet; its word is then x - slots (claimed)
            // or x - slots + 1 (published). Within a lap of the tail nothing else can be there
            // (words only grow, and the tail passed x - slots when it was free); further on, a
            // lap before may still hold its word. A negative word is never one.
            if (seq < 0 || (x - slots < tail && seq != x - slots && seq != x - slots + 1)) {
                throw corrupt("sequence " + seq + " at position " + x + " under the tail " + tail);
            }
            return x;
        }
        WORD.setRelease(producerWords, FREE, x);
        return x;
    }

    private void copyIn(byte[] src, int off, int len, long t) {
        long at = dataAt(t);
        long room = dataEnd - at;
        if (len <= room) {
            MemorySegment.copy(src, off, seg, ValueLayout.JAVA_BYTE, at, len);
        } else {
            MemorySegment.copy(src, off, seg, ValueLayout.JAVA_BYTE, at, (int) room);
            MemorySegment.copy(src, off + (int) room, seg, ValueLayout.JAVA_BYTE, dataOffset, len - (int) room);
        }
    }

    private void checkLength(int len) {
        if (len > maxFrame) throw new IllegalArgumentException("frame of " + len + " bytes is longer than the ring's largest, " + maxFrame);
    }

    /**
     * Claims k positions at the tail: the first, or -1 when one of them is not free yet (full).
     *
     * <p>A sequence above position x means that x was claimed after the tail was read; claiming
     * producers move the tail first, so the tail, read again, has moved too. A tail that stands
     * still under such a word is a sole producer between its publication and its tail store
     * (docs/FORMAT.md, "The parent's ends"): the word is then x + 1 or x + slots, tried again a
     * bounded number of times and then called full. Any other word is corrupt, and so is a cursor
     * past 2^62 (as the C ends, pl_ring_offer, decide): an error rather than a spin for ever.
     */
    private long claim(int k) {
        int stuck = 0;
        for (;;) {
            long t = tail(), end = t + k;
            checkCursor(t, "tail");
            if (end > (long) WORD.getAcquire(producerWords, FREE)) {
                long x = scanFree(t, end);
                if (x < 0) { // another producer claimed there since we read the tail
                    if (tail() != t) {
                        stuck = 0;
                        continue;
                    }
                    long at = ~x, seq = sequence(at);
                    if (seq != at + 1 && seq != at + slots) throw corrupt("sequence " + seq + " at position " + at + " under the tail " + t);
                    if (++stuck == STUCK_TRIES) return -1;
                    continue;
                }
                if (x < end) return -1; // full there
            }
            if (LONG.compareAndSet(seg, RingLayout.TAIL_OFFSET, t, end)) return t;
        }
    }

    /** How many times a claim reads a later lap's word under a tail that stands still before it calls the ring full. */
    private static final int STUCK_TRIES = 64;

    /** The largest cursor an intact ring reaches: 2^62 positions (146 years at 10^9 frames/s). */
    private static final long LAST_POSITION = 1L << 62;

    private void checkCursor(long c, String which) {
        if (c < 0 || c > LAST_POSITION) throw corrupt("the " + which + " is at " + c);
    }

    private IllegalStateException corrupt(String what) {
        return new IllegalStateException("corrupt ring: " + what + " (no run of the protocol leaves that; docs/FORMAT.md)");
    }

    private long dataAt(long pos) {
        return dataOffset + ((pos & mask) << slotBytesShift);
    }

    // ---- consuming ---------------------------------------------------------------------------

    /**
     * The next frame, or null if none is published now. Never blocks.
     *
     * @return a new array holding the frame, removed from the ring; null if none was ready
     * @throws IllegalStateException if the ring's memory is corrupt (a record longer than the ring
     *     allows, a cursor or sequence word that no run of the protocol leaves)
     */
    public byte[] poll() {
        if (soleConsumer) {
            byte[][] out = new byte[1][];
            return drain(f -> out[0] = f.toArray(ValueLayout.JAVA_BYTE), 1) == 0 ? null : out[0];
        }
        for (;;) {
            long h = head();
            checkCursor(h, "head");
            long s = sequence(h);
            if (s != h + 1) {
                if (s <= h) return null; // nothing published at the head (free, or claimed and being written)
                // Another consumer took it since we read the head: every consumer moves the head
                // before it releases, so a head still at h is a corrupt word, not a race.
                if (head() == h) throw corrupt("sequence " + s + " at the head " + h);
                continue;
            }
            int len = frameLength(h);
            int k = positions(len);
            if (!LONG.compareAndSet(seg, RingLayout.HEAD_OFFSET, h, h + k)) continue;
            if (!take(h)) continue; // reclaimed by the parent while we stalled
            if (len < 0) { // a skipped record: release it and look further
                release(h, k);
                continue;
            }
            byte[] out = new byte[len];
            long at = dataAt(h);
            long room = dataEnd - at;
            if (len <= room) {
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, at, out, 0, len);
            } else {
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, at, out, 0, (int) room);
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, dataOffset, out, (int) room, len - (int) room);
            }
            release(h, k);
            return out;
        }
    }

    /**
     * Takes up to limit published frames with one compare-and-set of the head and hands each to
     * handler, in order; returns how many it handed over (0 when none was published). If the
     * handler throws, the frames after that one in the batch are released undelivered and the
     * exception propagates. The batch's slots (its first 64 records') are freed when drain
     * returns, not as each frame is handled: a handler must not wait for room on this same ring.
     * On a ring that a {@link RingSweeper} sweeps (the pool's), the batch must also be handled
     * in well under its held timeout (5 s in the pool): a consumer that keeps records longer is
     * taken for stopped or hung.
     *
     * @param handler receives each frame; it runs on the calling thread
     * @param limit the most frames to take, at least 1
     * @return the number of frames handed to handler
     * @throws IllegalArgumentException if limit is below 1
     * @throws IllegalStateException if the ring's memory is corrupt (as for {@link #poll()})
     */
    public int drain(FrameHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        if (limit < 1) throw new IllegalArgumentException("limit must be >= 1, got " + limit);
        if (soleConsumer) return drainSole(handler, limit);
        for (;;) {
            long h = head();
            long end = h;
            for (int n = 0; n < limit; n++) {
                if (sequence(end) != end + 1) break;
                end += positions(frameLength(end));
            }
            if (end == h) {
                checkCursor(h, "head");
                long s = sequence(h);
                if (s > h + 1) { // the head moved on meanwhile, or (a head still at h) a corrupt word: see poll
                    if (head() == h) throw corrupt("sequence " + s + " at the head " + h);
                    continue;
                }
                return 0;
            }
            if (!LONG.compareAndSet(seg, RingLayout.HEAD_OFFSET, h, end)) continue;
            return deliver(h, end, handler);
        }
    }

    /** drain as the sole consumer: the head moved by a release store, records taken without compare-and-set. */
    private int drainSole(FrameHandler handler, int limit) {
        for (;;) {
            long h = consumerWords[SOLE_HEAD], end = h;
            for (int n = 0; n < limit && sequence(end) == end + 1; n++) end += positions(frameLength(end));
            if (end == h) return 0;
            consumerWords[SOLE_HEAD] = end;
            LONG.setRelease(seg, RingLayout.HEAD_OFFSET, end);
            int delivered = deliver(h, end, handler);
            if (delivered > 0) return delivered; // else only skipped records: look further
        }
    }

    /*
     * A batch's records are released together after the last one was handed over, not each after
     * its own: a producer writing the next records shares their descriptor and data lines with
     * the records just read, and a release after every record bounced those lines between the two
     * cores once more per record.
     */
    private int deliver(long from, long end, FrameHandler handler) {
        int delivered = 0, q = 0;
        long r = from;
        // The batch's first HELD records are held until its end: bit i of `held` says that this
        // consumer took the i-th record (counted from `from`), whose length it may then read again
        // when it releases it; a record it failed to take (the sweeper had it) may be released and
        // reused meanwhile, so its size is kept in `lost`, allocated only then. An array of every
        // held record's position and size, allocated on each drain, cost a drain of one 32-byte
        // frame more than the rest of its work.
        long held = 0;
        int[] lost = null;
        try {
            while (r < end) {
                int len = frameLength(r);
                int k = positions(len);
                long at = r;
                r += k;
                int i = q++;
                if (!soleConsumer && !take(at)) {
                    if (i < HELD) {
                        if (lost == null) lost = new int[HELD];
                        lost[i] = k;
                    }
                    continue;
                }
                if (i < HELD) {
                    held |= 1L << i;
                    delivered += handOver(at, len, handler);
                    continue;
                }
                try { // beyond what a batch holds: released at once
                    delivered += handOver(at, len, handler);
                } finally {
                    release(at, k);
                }
            }
            return delivered;
        } finally {
            long at = from;
            for (int i = 0, m = Math.min(q, HELD); i < m; i++) {
                boolean mine = (held & 1L << i) != 0;
                int k = mine ? positions(frameLength(at)) : lost[i];
                if (mine) release(at, k);
                at += k;
            }
            // Only after a handler threw: the rest of the batch is ours to release.
            while (r < end) {
                int len = frameLength(r);
                int k = positions(len);
                if (soleConsumer || take(r)) release(r, k);
                r += k;
            }
        }
    }

    /** The records a batch holds until its end (see deliver): at most 64, the bits of a long. */
    private static final int HELD = 64;

    /** Hands the record at pos, of frame length len, to handler (nothing for a skipped record); 1 if it delivered a frame. */
    private int handOver(long at, int len, FrameHandler handler) {
        if (len < 0) return 0;
        long off = dataAt(at);
        if (len <= dataEnd - off) {
            handler.onFrame(seg.asSlice(off, len));
        } else {
            byte[] copy = new byte[len];
            int room = (int) (dataEnd - off);
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, copy, 0, room);
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, dataOffset, copy, room, len - room);
            handler.onFrame(MemorySegment.ofArray(copy));
        }
        return 1;
    }

    /**
     * Takes the published record at pos, whose positions this consumer claimed: owner word
     * (lap, producer) to (lap, READER | pid). False if the parent reclaimed it first.
     */
    private boolean take(long pos) {
        long ow = owner(pos);
        int holder = (int) ow;
        if (ow >>> 32 != (pos >>> lapShift & 0xFFFF_FFFFL) || holder <= 0 || (holder & RingLayout.READER) != 0) return false;
        return casOwner(pos, ow, ownerWord(pos, RingLayout.READER | who));
    }

    /** Frees the k positions of the record at pos for the next lap; the first one last. */
    void release(long pos, int k) {
        for (long x = pos + k - 1; x > pos; x--) {
            LONG.setRelease(seg, ownerAt(x), ownerWord(x + slots, 0));
            LONG.setRelease(seg, desc(x) + RingLayout.SEQUENCE_OFFSET, x + slots);
        }
        // The first slot's owner word keeps this lap's word, which names nobody for the next
        // lap: the owner lines stay with the producers (docs/FORMAT.md, "Owner word").
        LONG.setRelease(seg, desc(pos) + RingLayout.SEQUENCE_OFFSET, pos + slots);
    }

    // ---- for the sweeper ---------------------------------------------------------------------

    /** Publishes [pos, end) as one skipped record that consumers release without delivering. */
    void publishSkipped(long pos, long end) {
        long d = desc(pos);
        INT.set(seg, d + RingLayout.FRAME_LENGTH_OFFSET, (int) -(end - pos));
        LONG.setRelease(seg, ownerAt(pos), ownerWord(pos, who));
        LONG.setRelease(seg, d + RingLayout.SEQUENCE_OFFSET, pos + 1);
    }

    /** The pid this ring records as the owner of what it takes. */
    int who() {
        return who;
    }

    /** The ring's memory (for tests that stop a process between two steps). */
    MemorySegment segment() {
        return seg;
    }
}
