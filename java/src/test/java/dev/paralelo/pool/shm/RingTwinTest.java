package dev.paralelo.pool.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.internal.ffi.ParaleloLib;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The C rings (pl_ring_offer, pl_ring_poll, pl_ring_check) and Java's on the same ring file, frame for frame. */
class RingTwinTest {
    static final RingGeometry G = new RingGeometry(16, 32, 256);
    static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    /** C puts frames on one ring and Java takes them, and the reverse on the other, for many laps. */
    @Test
    void javaAndCAgreeFrameForFrame() throws Exception {
        try (RingFile f = RingFile.create(dir.resolve("twin.ring"), G); Arena a = Arena.ofConfined()) {
            MemorySegment file = f.segment();
            assertEquals(ParaleloLib.PL_OK, ParaleloLib.plRingCheck(file, file.byteSize()));
            MemorySegment buf = a.allocate(G.maxFrameBytes()), len = a.allocate(ValueLayout.JAVA_LONG);
            Random rnd = new Random(7);
            ArrayDeque<byte[]> toJava = new ArrayDeque<>(), toC = new ArrayDeque<>();
            for (int i = 0; i < 4000; i++) {
                byte[] x = ShmRingTest.frame(rnd.nextInt(G.maxFrameBytes() + 1), i);
                MemorySegment in = a.allocate(Math.max(1, x.length));
                MemorySegment.copy(x, 0, in, ValueLayout.JAVA_BYTE, 0, x.length);
                int rc = ParaleloLib.plRingOffer(file, file.byteSize(), ParaleloLib.PL_RING_RESULTS, in, x.length, PID);
                if (rc == ParaleloLib.PL_OK) toJava.add(x);
                else assertEquals(ParaleloLib.PL_RING_FULL, rc);
                if (f.tasks().offer(x, 0, x.length)) toC.add(x);
                if (rnd.nextInt(3) > 0) {
                    byte[] got = f.results().poll();
                    if (toJava.isEmpty()) assertNull(got);
                    else assertArrayEquals(toJava.remove(), got, "frame from C, round " + i);
                    rc = ParaleloLib.plRingPoll(file, file.byteSize(), ParaleloLib.PL_RING_TASKS, buf, buf.byteSize(), len, PID);
                    if (toC.isEmpty()) {
                        assertEquals(ParaleloLib.PL_RING_EMPTY, rc);
                    } else {
                        assertEquals(ParaleloLib.PL_OK, rc);
                        assertArrayEquals(toC.remove(), buf.asSlice(0, len.get(ValueLayout.JAVA_LONG, 0)).toArray(ValueLayout.JAVA_BYTE),
                                "frame to C, round " + i);
                    }
                }
            }
        }
    }

    @Test
    void cSkipsWhatTheParentsSweeperSkippedAndRefusesBadArguments() throws Exception {
        try (RingFile f = RingFile.create(dir.resolve("skip.ring"), G); RingFile other = RingFile.open(f.path());
                Arena a = Arena.ofConfined()) {
            MemorySegment file = f.segment();
            ShmRing tasks = other.tasks(); // a claiming producer's end (the parent's own is its sole producer)
            // A producer claims 3 positions, records itself and dies; a live one queues a frame after it.
            long t = tasks.tail();
            tasks.segment().set(ValueLayout.JAVA_LONG, RingLayout.TAIL_OFFSET, t + 3);
            assertTrue(tasks.recordOwner(t, 777_777));
            byte[] x = ShmRingTest.frame(20, 1);
            tasks.offer(x, 0, x.length);
            assertEquals(1, new RingSweeper(tasks, pid -> pid != 777_777, 1, Long.MAX_VALUE).sweep(0));
            MemorySegment buf = a.allocate(G.maxFrameBytes()), len = a.allocate(ValueLayout.JAVA_LONG);
            assertEquals(ParaleloLib.PL_OK, ParaleloLib.plRingPoll(file, file.byteSize(), ParaleloLib.PL_RING_TASKS, buf, buf.byteSize(), len, PID));
            assertArrayEquals(x, buf.asSlice(0, len.get(ValueLayout.JAVA_LONG, 0)).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(ParaleloLib.PL_RING_EMPTY, ParaleloLib.plRingPoll(file, file.byteSize(), 0, buf, buf.byteSize(), len, PID));

            assertEquals(ParaleloLib.PL_E_ARG, ParaleloLib.plRingOffer(file, file.byteSize(), 0, buf, G.maxFrameBytes() + 1, PID));
            assertEquals(ParaleloLib.PL_E_ARG, ParaleloLib.plRingOffer(file, file.byteSize(), 2, buf, 1, PID));
            assertEquals(ParaleloLib.PL_E_ARG, ParaleloLib.plRingOffer(file, file.byteSize(), 0, buf, 1, 0));
            assertEquals(ParaleloLib.PL_E_ARG, ParaleloLib.plRingPoll(file, file.byteSize(), 0, buf, G.maxFrameBytes() - 1, len, PID));
            assertEquals(ParaleloLib.PL_E_LAYOUT, ParaleloLib.plRingCheck(file, file.byteSize() - 128), "rings past the end");
            file.set(ValueLayout.JAVA_INT, RingFileLayout.SLOTS_OFFSET, 48);
            assertEquals(ParaleloLib.PL_E_LAYOUT, ParaleloLib.plRingCheck(file, file.byteSize()), "slots not a power of two");
            assertEquals(ParaleloLib.PL_E_LAYOUT, ParaleloLib.plRingOffer(file, file.byteSize(), 0, buf, 1, PID));
        }
    }
}
