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
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the parent's sweeper does with records whose owner died half-way, and what it leaves
 * alone. A "dead" process is a pid the liveness predicate calls dead; the half-done steps are
 * written with the layout's offsets, as a process killed between two of them leaves them.
 */
class RingSweeperTest {
    static final int SLOTS = 16, SLOT_BYTES = 8;
    static final int DEAD = 777_777, STALLED = 666_666;
    static final long STUCK = 1_000, HELD = 5_000;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment seg = arena.allocate(RingLayout.length(SLOTS, SLOT_BYTES), 128);
    private final ShmRing ring;
    private final RingSweeper sweeper;

    RingSweeperTest() {
        ShmRing.init(seg, SLOT_BYTES, SLOTS);
        ring = new ShmRing(seg, SLOT_BYTES, SLOTS, 64, ShmRingTest.PID);
        sweeper = new RingSweeper(ring, pid -> pid != DEAD, STUCK, HELD);
    }

    @AfterEach
    void free() {
        arena.close();
    }

    /** A producer claims k positions at the tail, records itself as owner (unless 0) and stops. */
    long claimAndStop(int k, int owner) {
        long t = seg.get(ValueLayout.JAVA_LONG, RingLayout.TAIL_OFFSET);
        seg.set(ValueLayout.JAVA_LONG, RingLayout.TAIL_OFFSET, t + k);
        if (owner != 0) assertTrue(ring.recordOwner(t, owner));
        return t;
    }

    /** A consumer claims the record at the head, records itself as its reader (unless 0) and stops. */
    long takeAndStop(int owner) {
        long h = seg.get(ValueLayout.JAVA_LONG, RingLayout.HEAD_OFFSET);
        int k = ring.positions(ring.frameLength(h));
        seg.set(ValueLayout.JAVA_LONG, RingLayout.HEAD_OFFSET, h + k);
        if (owner != 0) assertTrue(ring.casOwner(h, ring.owner(h), ring.ownerWord(h, RingLayout.READER | owner)));
        return h;
    }

    static byte[] frame(int len, int seed) {
        return ShmRingTest.frame(len, seed);
    }

    void offer(byte[] f) {
        assertTrue(ring.offer(f, 0, f.length));
    }

    /** The ring still works for several laps. */
    void keepsGoing() {
        for (int i = 0; i < 5 * SLOTS; i++) {
            byte[] f = frame(i % 20, i);
            offer(f);
            assertArrayEquals(f, ring.poll(), "frame " + i + " after the sweep");
        }
        assertNull(ring.poll());
    }

    @Test
    void aDeadProducersRecordIsSkippedAtOnce() {
        offer(frame(8, 1));
        claimAndStop(3, DEAD);
        offer(frame(8, 2));
        assertArrayEquals(frame(8, 1), ring.poll());
        assertNull(ring.poll(), "the unpublished record blocks the head");
        assertEquals(1, sweeper.sweep(0));
        assertArrayEquals(frame(8, 2), ring.poll(), "the record after the dead one");
        keepsGoing();
    }

    @Test
    void aProducerThatDiedBeforeRecordingItselfIsSkippedAfterTheTimeout() {
        claimAndStop(2, 0);
        offer(frame(16, 3));
        assertEquals(0, sweeper.sweep(0));
        assertEquals(0, sweeper.sweep(STUCK - 1), "not stuck for long enough yet");
        assertNull(ring.poll());
        assertEquals(1, sweeper.sweep(STUCK));
        assertArrayEquals(frame(16, 3), ring.poll(), "the next producer's record is intact");
        keepsGoing();
    }

    /**
     * A consumer's release leaves a record's first owner word as it was (its reader, this lap);
     * the next lap takes that word for "nobody", in the producer's compare-and-set and in the
     * sweeper alike.
     */
    @Test
    void theLapBeforesOwnerWordsCountAsNobody() {
        for (int i = 0; i < 3 * SLOTS; i++) { // frames of 1 to 3 slots, then a lap of one-slot frames
            byte[] f = frame(i < 2 * SLOTS ? 1 + i % 24 : 8, i);
            offer(f);
            assertArrayEquals(f, ring.poll());
        }
        long t = claimAndStop(2, 0);
        long lap = t / SLOTS;
        assertEquals((lap - 1) << 32 | RingLayout.READER | ShmRingTest.PID_INT, ring.owner(t), "the lap before's reader");
        offer(frame(16, 3));
        assertEquals(0, sweeper.sweep(0));
        assertEquals(0, sweeper.sweep(STUCK - 1), "not stuck for long enough yet");
        assertEquals(1, sweeper.sweep(STUCK));
        assertFalse(ring.recordOwner(t, STALLED), "the stalled producer can no longer record itself");
        assertArrayEquals(frame(16, 3), ring.poll(), "the next producer's record is intact");
        long u = claimAndStop(1, DEAD);
        assertEquals(u / SLOTS << 32 | DEAD, ring.owner(u), "recorded over the lap before's word");
        offer(frame(8, 4));
        assertEquals(1, sweeper.sweep(STUCK * 3));
        assertArrayEquals(frame(8, 4), ring.poll());
        keepsGoing();
    }

    @Test
    void aLiveProducerIsNeverSkippedButNamedOnceItHasHeldItsRecordTooLong() {
        long t = claimAndStop(1, STALLED);
        assertEquals(0, sweeper.sweep(0));
        assertEquals(0, sweeper.takeBlocker(), "seen once: not held long yet");
        assertEquals(0, sweeper.sweep(HELD - 1));
        assertEquals(0, sweeper.takeBlocker());
        assertEquals(0, sweeper.sweep(HELD));
        assertEquals(STALLED, sweeper.takeBlocker(), "held for the held timeout");
        assertEquals(0, sweeper.takeBlocker(), "named once per finding");
        assertEquals(0, sweeper.sweep(Long.MAX_VALUE / 2), "named, never skipped");
        assertEquals(STALLED, sweeper.takeBlocker(), "named again while it holds the record");
        assertNull(ring.poll());
        // It publishes in the end, and the frame arrives.
        seg.set(ValueLayout.JAVA_INT, RingLayout.SLOTS_OFFSET + RingLayout.FRAME_LENGTH_OFFSET, 0);
        seg.set(ValueLayout.JAVA_LONG, RingLayout.SLOTS_OFFSET + RingLayout.SEQUENCE_OFFSET, t + 1);
        assertArrayEquals(new byte[0], ring.poll());
        // A record held by the same owner later starts the clock again.
        claimAndStop(1, STALLED);
        assertEquals(0, sweeper.sweep(Long.MAX_VALUE / 2 + 1));
        assertEquals(0, sweeper.sweep(Long.MAX_VALUE / 2 + HELD - 1));
        assertEquals(0, sweeper.takeBlocker(), "a new record, not held long yet");
        sweeper.sweep(Long.MAX_VALUE / 2 + HELD + 1);
        assertEquals(STALLED, sweeper.takeBlocker());
    }

    @Test
    void aStalledProducerWhoseClaimWasTakenOverClaimsAgainWithoutWriting() {
        long t = claimAndStop(2, 0);
        long later = claimAndStop(1, 0); // a second producer, also between its two steps
        offer(frame(8, 4));
        sweeper.sweep(0);
        assertEquals(1, sweeper.sweep(STUCK));
        // Both stalled producers now fail the compare-and-set that would record them.
        assertFalse(ring.recordOwner(t, STALLED));
        assertFalse(ring.recordOwner(later, STALLED));
        assertArrayEquals(frame(8, 4), ring.poll());
        // Still not once the skipped record has been released: later's owner word, inside it,
        // now holds the next lap's word, and that names nobody for the next lap only.
        assertEquals((later / SLOTS + 1) << 32, ring.owner(later));
        assertFalse(ring.recordOwner(t, STALLED));
        assertFalse(ring.recordOwner(later, STALLED));
        keepsGoing();
    }

    @Test
    void aDeadConsumersRecordIsReleased() {
        for (int i = 0; i < SLOTS; i++) offer(frame(8, i));
        takeAndStop(DEAD);
        assertFalse(ring.offer(frame(8, 99), 0, 8), "full: the dead consumer's slot is not released");
        for (int i = 1; i < SLOTS; i++) assertArrayEquals(frame(8, i), ring.poll());
        assertFalse(ring.offer(frame(8, 99), 0, 8), "still blocked a lap later");
        assertEquals(1, sweeper.sweep(0));
        offer(frame(8, 99));
        assertArrayEquals(frame(8, 99), ring.poll());
        keepsGoing();
    }

    /** The parent's end of a result ring, its sole consumer, over the same memory. */
    ShmRing soleConsumer() {
        return new ShmRing(seg, SLOT_BYTES, SLOTS, 64, ShmRingTest.PID, false, true);
    }

    /** The parent's end of a task ring, its sole producer, over the same memory. */
    ShmRing soleProducer() {
        return new ShmRing(seg, SLOT_BYTES, SLOTS, 64, ShmRingTest.PID, true, false);
    }

    @Test
    void aSoleConsumerGetsPastADeadProducersRecordOnceItIsSwept() {
        ShmRing parent = soleConsumer();
        offer(frame(8, 1));
        claimAndStop(3, DEAD);
        offer(frame(12, 2));
        assertArrayEquals(frame(8, 1), parent.poll());
        assertNull(parent.poll(), "the unpublished record blocks the head");
        assertEquals(1, sweeper.sweep(0));
        assertArrayEquals(frame(12, 2), parent.poll(), "the record after the dead one");
        for (int i = 0; i < 5 * SLOTS; i++) {
            byte[] f = frame(i % 20, i);
            offer(f);
            assertArrayEquals(f, parent.poll(), "frame " + i + " after the sweep");
        }
        assertNull(parent.poll());
        assertEquals(0, sweeper.sweep(STUCK * 10), "nothing left to sweep: the sole consumer released all it took");
    }

    @Test
    void aSoleProducerRefusesToWriteOverAnotherProducersRecord() {
        ShmRing parent = soleProducer();
        assertTrue(parent.offer(frame(8, 1), 0, 8));
        offer(frame(8, 2)); // a second producer: not allowed on a ring with a sole producer
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> parent.offer(frame(8, 3), 0, 8));
        assertTrue(e.getMessage().contains("another producer"), e.getMessage());
        assertArrayEquals(frame(8, 1), ring.poll(), "what was written stays intact");
        assertArrayEquals(frame(8, 2), ring.poll());
    }

    @Test
    void aSoleProducerGoesOnOnceADeadConsumersRecordIsReleased() {
        ShmRing parent = soleProducer();
        for (int i = 0; i < SLOTS; i++) assertTrue(parent.offer(frame(8, i), 0, 8));
        assertFalse(parent.offer(frame(8, 99), 0, 8), "full");
        takeAndStop(DEAD);
        for (int i = 1; i < SLOTS; i++) assertArrayEquals(frame(8, i), ring.poll());
        assertFalse(parent.offer(frame(8, 99), 0, 8), "blocked by the dead consumer's slot");
        assertEquals(1, sweeper.sweep(0));
        assertTrue(parent.offer(frame(8, 99), 0, 8));
        assertEquals(0, sweeper.sweep(STUCK * 10), "a sole producer's records are published before its tail moves: never swept");
        assertArrayEquals(frame(8, 99), ring.poll());
        for (int i = 0; i < 5 * SLOTS; i++) {
            byte[] f = frame(i % 20, i);
            assertTrue(parent.offer(f, 0, f.length));
            assertArrayEquals(f, ring.poll(), "frame " + i + " after the sweep");
        }
        assertNull(ring.poll());
    }

    @Test
    void aConsumerThatDiedBeforeRecordingItselfIsReleasedAfterTheTimeout() {
        offer(frame(40, 5)); // 5 slots
        long h = takeAndStop(0);
        for (int i = 0; i < SLOTS - 5; i++) offer(frame(8, i));
        for (int i = 0; i < SLOTS - 5; i++) ring.poll();
        assertFalse(ring.offer(frame(8, 6), 0, 8));
        assertEquals(0, sweeper.sweep(0));
        assertEquals(1, sweeper.sweep(STUCK));
        // The stalled consumer can no longer take what it claimed.
        assertFalse(ring.casOwner(h, ring.ownerWord(h, ShmRingTest.PID_INT), ring.ownerWord(h, RingLayout.READER | STALLED)));
        keepsGoing();
    }

    @Test
    void aFindingNamesNobodyOnceTheOwnerHasGoneOn() {
        long t = claimAndStop(1, STALLED);
        sweeper.sweep(0);
        sweeper.sweep(HELD);
        // it publishes after the sweep that found it, before anyone asks
        seg.set(ValueLayout.JAVA_INT, RingLayout.SLOTS_OFFSET + RingLayout.FRAME_LENGTH_OFFSET, 0);
        seg.set(ValueLayout.JAVA_LONG, RingLayout.SLOTS_OFFSET + RingLayout.SEQUENCE_OFFSET, t + 1);
        assertEquals(0, sweeper.takeBlocker(), "the record it held moved on: nobody to kill");
        assertArrayEquals(new byte[0], ring.poll());
    }

    /**
     * A producer held its record past the stuck timeout (not the held one), then published, and
     * a consumer claimed it and is about to record itself: a new way of blocking, timed afresh,
     * so the consumer keeps its frame.
     */
    @Test
    void aConsumerJustAfterASlowProducerIsTimedAfresh() {
        long t = claimAndStop(1, STALLED);
        assertEquals(0, sweeper.sweep(0));
        assertEquals(0, sweeper.sweep(2 * STUCK));
        seg.set(ValueLayout.JAVA_INT, RingLayout.SLOTS_OFFSET + RingLayout.FRAME_LENGTH_OFFSET, 0);
        seg.set(ValueLayout.JAVA_LONG, RingLayout.SLOTS_OFFSET + RingLayout.SEQUENCE_OFFSET, t + 1);
        takeAndStop(0); // the head moved, the owner word still names the producer
        assertEquals(0, sweeper.sweep(2 * STUCK + 1), "not stuck for long enough as a take");
        assertTrue(ring.casOwner(t, ring.owner(t), ring.ownerWord(t, RingLayout.READER | STALLED)), "the consumer records itself");
    }

    @Test
    void anOwnerDeclaredGoneIsSweptAsADeadOneOnce() {
        claimAndStop(1, STALLED);
        offer(frame(8, 1));
        sweeper.sweep(0);
        sweeper.sweep(HELD);
        assertEquals(STALLED, sweeper.takeBlocker());
        sweeper.ownerGone(STALLED); // its pid now names another, live, process
        assertEquals(1, sweeper.sweep(HELD + 1));
        assertArrayEquals(frame(8, 1), ring.poll(), "the record behind it");
        // the declaration ended with that record: a new record of that pid is a live owner's
        claimAndStop(1, STALLED);
        assertEquals(0, sweeper.sweep(HELD + 2));
        assertEquals(0, sweeper.sweep(3 * HELD));
        assertEquals(STALLED, sweeper.takeBlocker());
    }

    @Test
    void aConsumerDeclaredGoneIsReleased() {
        for (int i = 0; i < SLOTS; i++) offer(frame(8, i));
        takeAndStop(STALLED);
        for (int i = 1; i < SLOTS; i++) ring.poll();
        sweeper.sweep(0);
        sweeper.sweep(HELD);
        assertEquals(STALLED, sweeper.takeBlocker());
        assertFalse(ring.offer(frame(8, 7), 0, 8));
        sweeper.ownerGone(STALLED);
        assertEquals(1, sweeper.sweep(HELD + 1));
        keepsGoing();
    }

    @Test
    void aLiveConsumerIsNeverReleasedButNamedOnceItHasHeldItsRecordTooLong() {
        for (int i = 0; i < SLOTS; i++) offer(frame(8, i));
        takeAndStop(STALLED);
        for (int i = 1; i < SLOTS; i++) ring.poll();
        assertEquals(0, sweeper.sweep(0));
        assertEquals(0, sweeper.sweep(HELD - 1));
        assertEquals(0, sweeper.takeBlocker(), "not held long yet");
        assertEquals(0, sweeper.sweep(Long.MAX_VALUE / 2));
        assertEquals(STALLED, sweeper.takeBlocker(), "its pid, without the reader bit");
        assertFalse(ring.offer(frame(8, 7), 0, 8));
    }

    @Test
    void aHealthyRingNamesNobody() {
        for (int i = 0; i < 3 * SLOTS; i++) {
            offer(frame(i % 20, i));
            assertEquals(0, sweeper.sweep(i * HELD));
            ring.poll();
            assertEquals(0, sweeper.sweep(i * HELD + HELD / 2));
        }
        assertEquals(0, sweeper.takeBlocker());
    }

    /** Owners that hold their records across sweeps, each for less than the held timeout, one after another: nobody is named. */
    @Test
    void ownersThatHoldBrieflyAreNotNamed() {
        long now = 0;
        for (int i = 0; i < 3 * SLOTS; i++) {
            long t = claimAndStop(1, STALLED); // a producer between its claim and its publication
            for (int k = 0; k < 4; k++) {
                assertEquals(0, sweeper.sweep(now += HELD / 4 - 1));
                assertEquals(0, sweeper.takeBlocker(), "a producer held for less than the held timeout");
            }
            seg.set(ValueLayout.JAVA_INT, RingLayout.SLOTS_OFFSET + (t % SLOTS) * RingLayout.SLOT_LENGTH + RingLayout.FRAME_LENGTH_OFFSET, 0);
            seg.set(ValueLayout.JAVA_LONG, RingLayout.SLOTS_OFFSET + (t % SLOTS) * RingLayout.SLOT_LENGTH + RingLayout.SEQUENCE_OFFSET, t + 1);
            takeAndStop(STALLED); // a consumer between its take and its release
            for (int k = 0; k < 4; k++) {
                assertEquals(0, sweeper.sweep(now += HELD / 4 - 1));
                assertEquals(0, sweeper.takeBlocker(), "a consumer held for less than the held timeout");
            }
            ring.release(t, 1);
        }
        assertEquals(0, sweeper.takeBlocker());
    }

    @Test
    void ownerGoneFreesOnlyTheRecordNamedAndOnlyWhileItIsHeld() {
        long t = claimAndStop(1, STALLED);
        sweeper.sweep(0);
        sweeper.sweep(HELD);
        assertEquals(STALLED, sweeper.takeBlocker());
        sweeper.ownerGone(DEAD + 1); // another pid: nothing
        assertEquals(0, sweeper.sweep(HELD + 1));
        // it publishes: the record it was named for is no longer held, and a later one of that pid is a live owner's
        seg.set(ValueLayout.JAVA_INT, RingLayout.SLOTS_OFFSET + RingLayout.FRAME_LENGTH_OFFSET, 0);
        seg.set(ValueLayout.JAVA_LONG, RingLayout.SLOTS_OFFSET + RingLayout.SEQUENCE_OFFSET, t + 1);
        claimAndStop(1, STALLED);
        sweeper.ownerGone(STALLED);
        assertArrayEquals(new byte[0], ring.poll());
        assertEquals(0, sweeper.sweep(HELD + 2), "the live owner's new record is left alone");
        assertNull(ring.poll());
    }

    @Test
    void theRealLivenessCheckKnowsThisProcessAndAFinishedOne() throws Exception {
        assertTrue(RingSweeper.processAlive(ProcessHandle.current().pid()));
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertFalse(RingSweeper.processAlive(p.pid()));
    }

    /**
     * A process whose main thread ended (pthread_exit) while another runs shows state Z in
     * /proc, as a zombie does, and is alive (Python through ctypes, which lets go of its lock
     * around the call).
     */
    @Test
    void theRealLivenessCheckKeepsAProcessWhoseMainThreadEnded() throws Exception {
        Process p = new ProcessBuilder(dev.paralelo.Python.executable("ctypes"), "-c",
                "import ctypes, os, threading, time\n"
                + "threading.Thread(target=time.sleep, args=(60,)).start()\n"
                + "print(os.getpid(), flush=True)\n"
                + "ctypes.CDLL(None).pthread_exit(None)\n").start();
        try {
            long pid = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine().trim());
            Path status = Path.of("/proc", Long.toString(pid), "status");
            long end = System.nanoTime() + 10_000_000_000L;
            while (!java.nio.file.Files.readString(status).contains("State:\tZ") && System.nanoTime() - end < 0) Thread.sleep(10);
            assertTrue(java.nio.file.Files.readString(status).contains("State:\tZ"), "its main thread ended");
            assertTrue(RingSweeper.processAlive(pid), "alive: its other thread runs");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    /** A zombie (a child its parent never reaped, here the child of a shell that exec'd sleep) is dead, though the JDK calls it alive. */
    @Test
    void theRealLivenessCheckTakesAZombieForDead() throws Exception {
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0.1 & echo $!; exec sleep 60").start();
        try {
            long zombie = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(parent.getInputStream())).readLine().trim());
            long end = System.nanoTime() + 10_000_000_000L;
            while (RingSweeper.processAlive(zombie) && System.nanoTime() - end < 0) Thread.sleep(10);
            assertFalse(RingSweeper.processAlive(zombie), "the zombie counts as dead");
            assertTrue(ProcessHandle.of(zombie).map(ProcessHandle::isAlive).orElse(false), "still a zombie, unreaped, which the JDK calls alive");
            assertTrue(RingSweeper.processAlive(parent.pid()));
        } finally {
            parent.destroyForcibly().waitFor();
        }
    }
}
