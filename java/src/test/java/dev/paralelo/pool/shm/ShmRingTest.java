package dev.paralelo.pool.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ring on its own, in one process: framing, wrap-around, full and empty, limits. */
class ShmRingTest {
    static final long PID = ProcessHandle.current().pid();
    static final int PID_INT = (int) PID;

    private final Arena arena = Arena.ofShared();

    @AfterEach
    void free() {
        arena.close();
    }

    ShmRing ring(int slotBytes, int slots, int maxFrame) {
        MemorySegment seg = arena.allocate(RingLayout.length(slots, slotBytes), 128);
        ShmRing.init(seg, slotBytes, slots);
        return new ShmRing(seg, slotBytes, slots, maxFrame, PID);
    }

    static byte[] frame(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte) (seed * 31 + i * 7);
        return b;
    }

    @Test
    void framesComeOutWholeAndInOrderAcrossManyLaps() {
        ShmRing r = ring(8, 16, 64);
        Random rnd = new Random(1);
        List<byte[]> queued = new ArrayList<>();
        int sent = 0, got = 0;
        // Lengths that take 1 to 8 slots, so records start at every slot and wrap at every offset.
        for (int round = 0; round < 5000; round++) {
            byte[] f = frame(rnd.nextInt(65), round);
            if (r.offer(f, 0, f.length)) {
                queued.add(f);
                sent++;
            }
            if (rnd.nextInt(3) == 0 || !queued.isEmpty() && rnd.nextBoolean()) {
                byte[] g = r.poll();
                if (queued.isEmpty()) {
                    assertNull(g);
                } else {
                    assertArrayEquals(queued.remove(0), g, "frame " + got);
                    got++;
                }
            }
        }
        for (byte[] f : queued) assertArrayEquals(f, r.poll());
        assertNull(r.poll());
        assertTrue(sent > 2000 && r.tail() > 30 * 16, "the test went round the ring many times: " + r.tail());
    }

    /**
     * Each position's owner word is where RingLayout.ownerOffset (and C's pl_ring_offsets, by
     * LayoutTest) puts it, in rings small and large: a claiming producer's (lap, pid) there
     * after its offer, a sole producer's too, a claiming consumer's (lap, READER | pid) after its
     * take, kept through the release (the next lap's producer takes it for "nobody"); and no
     * other owner word names anyone this lap.
     */
    @Test
    void ownerWordsLieWhereTheLayoutSays() {
        for (int slots : new int[] {16, 32, 64, 1024}) {
            for (boolean sole : new boolean[] {false, true}) ownerWordsLieWhereTheLayoutSays(slots, sole);
        }
    }

    private void ownerWordsLieWhereTheLayoutSays(int slots, boolean sole) {
        MemorySegment seg = arena.allocate(RingLayout.length(slots, 8), 128);
        ShmRing.init(seg, 8, slots);
        ShmRing producer = new ShmRing(seg, 8, slots, 8, PID, sole, false);
        ShmRing consumer = new ShmRing(seg, 8, slots, 8, PID);
        String ring = slots + " slots, " + (sole ? "sole" : "claiming") + " producer, position ";
        for (long p = 0; p < 3L * slots; p++) {
            long at = RingLayout.ownerOffset(slots, p), lap = p / slots;
            long before = lap == 0 ? 0 : (lap - 1) << 32 | RingLayout.READER | PID;
            assertEquals(before, seg.get(ValueLayout.JAVA_LONG, at), ring + p + " free: the lap before's reader, or nobody");
            assertTrue(producer.offer(new byte[] {1}, 0, 1));
            assertEquals(lap << 32 | PID, seg.get(ValueLayout.JAVA_LONG, at), ring + p + " produced");
            long slot = p % slots, read = lap << 32 | RingLayout.READER | PID;
            for (long q = 0; q < slots; q++) {
                long expected = q < slot ? read : q > slot ? before : lap << 32 | PID; // read this lap, the lap before, ours
                assertEquals(expected, seg.get(ValueLayout.JAVA_LONG, RingLayout.ownerOffset(slots, q)), ring + p + ", slot " + q);
            }
            assertArrayEquals(new byte[] {1}, consumer.poll());
            assertEquals(lap << 32 | RingLayout.READER | PID, seg.get(ValueLayout.JAVA_LONG, at), ring + p + " released");
        }
    }

    /**
     * Producers remember which positions they saw free (ShmRing.scanFree) and skip reading
     * those again: two claiming producers (as two workers) and a sole one (as the parent), each
     * with its own memory of free slots, offer exactly when the ring has room, never over a
     * record not yet taken or over each other's.
     */
    @Test
    void producersThatRememberFreeSlotsOfferExactlyWhenThereIsRoom() {
        for (boolean sole : new boolean[] {false, true}) {
            MemorySegment seg = arena.allocate(RingLayout.length(16, 8), 128);
            ShmRing.init(seg, 8, 16);
            ShmRing a = new ShmRing(seg, 8, 16, 64, PID, sole, false);
            ShmRing b = sole ? a : new ShmRing(seg, 8, 16, 64, PID);
            ShmRing consumer = new ShmRing(seg, 8, 16, 64, PID);
            Random rnd = new Random(sole ? 11 : 7);
            List<byte[]> queued = new ArrayList<>();
            int used = 0, offered = 0, refused = 0;
            for (int round = 0; round < 20_000; round++) {
                byte[] f = frame(rnd.nextInt(33), round); // 1 to 4 slots of 8 bytes
                int k = Math.max(1, (f.length + 7) / 8);
                boolean ok = (rnd.nextBoolean() ? a : b).offer(f, 0, f.length);
                assertEquals(used + k <= 16, ok, "round " + round + ": " + used + " slots in use, " + k + " more asked");
                if (ok) {
                    queued.add(f);
                    used += k;
                    offered++;
                } else {
                    refused++;
                }
                for (int polls = rnd.nextInt(3); polls > 0 && !queued.isEmpty(); polls--) {
                    byte[] want = queued.remove(0);
                    assertArrayEquals(want, consumer.poll(), "round " + round);
                    used -= Math.max(1, (want.length + 7) / 8);
                }
            }
            for (byte[] f : queued) assertArrayEquals(f, consumer.poll());
            assertNull(consumer.poll());
            assertTrue(offered > 5000 && refused > 1000, "sole " + sole + ": " + offered + " offered, " + refused + " refused");
        }
    }

    @Test
    void aFullRingRefusesUntilAConsumerReleases() {
        ShmRing r = ring(8, 16, 64);
        byte[] f = frame(8, 1);
        for (int i = 0; i < 16; i++) assertTrue(r.offer(f, 0, 8), "slot " + i);
        assertFalse(r.offer(f, 0, 8), "17th frame in 16 slots");
        assertFalse(r.offer(new byte[0], 0, 0), "even an empty frame needs a slot");
        assertArrayEquals(f, r.poll());
        assertTrue(r.offer(f, 0, 8), "one slot released");
        assertFalse(r.offer(f, 0, 8));
    }

    @Test
    void aLargeFrameWaitsForAllItsSlots() {
        ShmRing r = ring(8, 16, 64);
        byte[] small = frame(8, 2), big = frame(64, 3); // 1 and 8 slots
        for (int i = 0; i < 10; i++) assertTrue(r.offer(small, 0, 8));
        assertFalse(r.offer(big, 0, 64), "8 slots needed, 6 free");
        for (int i = 0; i < 2; i++) r.poll();
        assertTrue(r.offer(big, 0, 64), "8 free now; the frame wraps past the end");
        for (int i = 0; i < 8; i++) assertArrayEquals(small, r.poll());
        assertArrayEquals(big, r.poll());
    }

    @Test
    void theLargestFrameRoundTripsAndALargerOneIsRefused() {
        ShmRing r = ring(64, 2048, 64 * 1024);
        byte[] max = frame(64 * 1024, 4);
        assertTrue(r.offer(max, 0, max.length));
        assertArrayEquals(max, r.poll());
        byte[] over = new byte[64 * 1024 + 1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.offer(over, 0, over.length));
        assertTrue(e.getMessage().contains("65537"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> r.offer(max, 10, max.length));
        assertNull(r.poll(), "nothing was queued by the refused offers");
    }

    @Test
    void emptyFramesAreFrames() {
        ShmRing r = ring(8, 16, 64);
        assertTrue(r.offer(new byte[0], 0, 0));
        assertArrayEquals(new byte[0], r.poll());
        assertNull(r.poll());
    }

    @Test
    void drainHandsOverABatchInOrderAndCopiesAWrappedFrame() {
        ShmRing r = ring(8, 16, 64);
        for (int i = 0; i < 12; i++) r.offer(frame(8, i), 0, 8);
        for (int i = 0; i < 12; i++) r.poll();
        // Head and tail at 12: a 40-byte frame takes positions 12..16 and wraps.
        List<byte[]> got = new ArrayList<>();
        r.offer(frame(3, 100), 0, 3);
        r.offer(frame(40, 101), 0, 40);
        r.offer(frame(5, 102), 0, 5);
        assertEquals(2, r.drain(f -> got.add(f.toArray(ValueLayout.JAVA_BYTE)), 2));
        assertEquals(1, r.drain(f -> got.add(f.toArray(ValueLayout.JAVA_BYTE)), 100));
        assertEquals(0, r.drain(f -> got.add(f.toArray(ValueLayout.JAVA_BYTE)), 100));
        assertArrayEquals(frame(3, 100), got.get(0));
        assertArrayEquals(frame(40, 101), got.get(1));
        assertArrayEquals(frame(5, 102), got.get(2));
    }

    @Test
    void aHandlerThatThrowsLosesItsBatchButFreesTheSlots() {
        ShmRing r = ring(8, 16, 64);
        for (int i = 0; i < 16; i++) r.offer(frame(8, i), 0, 8);
        assertThrows(IllegalStateException.class, () -> r.drain(f -> {
            throw new IllegalStateException("handler failed");
        }, 4));
        for (int i = 0; i < 4; i++) assertTrue(r.offer(frame(8, 50 + i), 0, 8), "slot " + i + " was released");
        assertArrayEquals(frame(8, 4), r.poll(), "the rest of the queue is intact");
    }

    /*
     * A consumer that stalled between claiming a batch and taking its records loses one of them
     * to the sweeper, which may release it and see a producer reuse it while the consumer still
     * hands the rest over: the consumer must then release its own records by the sizes it read,
     * never by what the lost record says now.
     */
    @Test
    void aRecordTheSweeperTookFromABatchKeepsItsSizeForTheRelease() {
        ShmRing r = ring(8, 16, 64);
        for (int i = 0; i < 4; i++) assertTrue(r.offer(frame(12, i), 0, 12)); // 2 slots each: positions 0, 2, 4, 6
        assertTrue(r.casOwner(2, r.owner(2), r.ownerWord(2, RingLayout.RECLAIMED)), "the sweeper takes the second record");
        MemorySegment seg = r.segment();
        long lostLength = RingLayout.SLOTS_OFFSET + 2L * RingLayout.SLOT_LENGTH + RingLayout.FRAME_LENGTH_OFFSET;
        List<byte[]> got = new ArrayList<>();
        int n = r.drain(f -> {
            got.add(f.toArray(ValueLayout.JAVA_BYTE));
            if (got.size() == 2) seg.set(ValueLayout.JAVA_INT, lostLength, 4); // reused meanwhile: one slot now
        }, 8);
        assertEquals(3, n);
        assertArrayEquals(frame(12, 0), got.get(0));
        assertArrayEquals(frame(12, 2), got.get(1));
        assertArrayEquals(frame(12, 3), got.get(2));
        for (long p : new long[] {0, 1, 4, 5, 6, 7}) assertEquals(p + 16, r.sequence(p), "position " + p + " released");
        assertEquals(3, r.sequence(2), "the lost record is the sweeper's to release");
        assertEquals(3, r.sequence(3), "and its second slot too");
    }

    /**
     * Sequence words and cursors that no run of the protocol leaves are errors, not a spin for
     * ever (each call under a 5 s watchdog), on the claiming ends; words a race can leave are not.
     */
    @Test
    void corruptWordsAreErrorsNotSpins() {
        java.time.Duration limit = java.time.Duration.ofSeconds(5);
        // The tester's words: sequence 5 at position 0 under tail 0 (offer), 7 under head 0 (poll).
        for (long bad : new long[] {5, 7, 3, Long.MAX_VALUE, 16 + 5}) {
            MemorySegment seg = arena.allocate(RingLayout.length(16, 8), 128);
            ShmRing.init(seg, 8, 16);
            ShmRing r = new ShmRing(seg, 8, 16, 64, PID);
            seg.set(ValueLayout.JAVA_LONG, RingLayout.SLOTS_OFFSET + RingLayout.SEQUENCE_OFFSET, bad);
            IllegalStateException o = assertThrows(IllegalStateException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(limit, () -> r.offer(frame(8, 1), 0, 8)), "offer, " + bad);
            assertTrue(o.getMessage().startsWith("corrupt ring"), o.getMessage());
            IllegalStateException p = assertThrows(IllegalStateException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(limit, r::poll), "poll, " + bad);
            assertTrue(p.getMessage().startsWith("corrupt ring"), p.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(limit, () -> r.drain(f -> { }, 4)), "drain, " + bad);
        }
        // Words below their position that no lap leaves (negative, or more than a lap behind
        // within a lap of the tail): read as "full" before, which stalled a job for its whole
        // start timeout.
        for (long bad : new long[] {-5, 2, Long.MIN_VALUE}) {
            MemorySegment seg = arena.allocate(RingLayout.length(16, 8), 128);
            ShmRing.init(seg, 8, 16);
            ShmRing r = new ShmRing(seg, 8, 16, 64, PID);
            seg.set(ValueLayout.JAVA_LONG, RingLayout.SLOTS_OFFSET + 5L * RingLayout.SLOT_LENGTH + RingLayout.SEQUENCE_OFFSET, bad);
            IllegalStateException o = assertThrows(IllegalStateException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(limit, () -> r.offer(frame(8, 1), 0, 8)), "offer, " + bad);
            assertTrue(o.getMessage().startsWith("corrupt ring"), o.getMessage());
        }
        // A later lap's publication under a tail that stands still is what a sole producer leaves
        // for a moment: the claim calls the ring full after a few tries, and an error never.
        MemorySegment seg = arena.allocate(RingLayout.length(16, 8), 128);
        ShmRing.init(seg, 8, 16);
        ShmRing r = new ShmRing(seg, 8, 16, 64, PID);
        seg.set(ValueLayout.JAVA_LONG, RingLayout.SLOTS_OFFSET + RingLayout.SEQUENCE_OFFSET, 1);
        assertFalse(org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(limit, () -> r.offer(frame(8, 1), 0, 8)));
        // Cursors past 2^62 (or below 0).
        for (long cursor : new long[] {Long.MAX_VALUE, -1, (1L << 62) + 1}) {
            MemorySegment c = arena.allocate(RingLayout.length(16, 8), 128);
            ShmRing.init(c, 8, 16);
            ShmRing q = new ShmRing(c, 8, 16, 64, PID);
            c.set(ValueLayout.JAVA_LONG, RingLayout.TAIL_OFFSET, cursor);
            c.set(ValueLayout.JAVA_LONG, RingLayout.HEAD_OFFSET, cursor);
            assertThrows(IllegalStateException.class, () -> q.offer(frame(8, 1), 0, 8), "tail " + cursor);
            assertThrows(IllegalStateException.class, q::poll, "head " + cursor);
        }
    }

    @Test
    void aCorruptLengthIsAnErrorNotAnOutOfBoundsRead() {
        ShmRing r = ring(8, 16, 64);
        MemorySegment seg = arena.allocate(RingLayout.length(16, 8), 128);
        ShmRing.init(seg, 8, 16);
        ShmRing s = new ShmRing(seg, 8, 16, 64, PID);
        s.offer(frame(8, 1), 0, 8);
        seg.set(ValueLayout.JAVA_INT, RingLayout.SLOTS_OFFSET + RingLayout.FRAME_LENGTH_OFFSET, 1 << 30);
        IllegalStateException e = assertThrows(IllegalStateException.class, s::poll);
        assertTrue(e.getMessage().startsWith("corrupt ring"), e.getMessage());
        assertNull(r.poll());
    }

    @Test
    void badGeometriesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ShmRing.checkGeometry(24, 16, 8), "slot bytes not a power of two");
        assertThrows(IllegalArgumentException.class, () -> ShmRing.checkGeometry(8, 8, 8), "too few slots");
        assertThrows(IllegalArgumentException.class, () -> ShmRing.checkGeometry(8, 16, 65), "frame over half the ring");
        MemorySegment small = arena.allocate(RingLayout.length(16, 8) - 8, 128);
        assertThrows(IllegalArgumentException.class, () -> new ShmRing(small, 8, 16, 64, PID), "segment too small");
        MemorySegment seg = arena.allocate(RingLayout.length(16, 8) + 64, 128);
        assertThrows(IllegalArgumentException.class, () -> new ShmRing(seg.asSlice(8), 8, 16, 64, PID), "unaligned");
    }
}
