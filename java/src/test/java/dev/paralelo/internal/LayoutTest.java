package dev.paralelo.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.paralelo.internal.ffi.ParaleloLib;
import dev.paralelo.kernel.ExactAccumulator;
import dev.paralelo.pool.shm.RingFileLayout;
import dev.paralelo.pool.shm.RingLayout;
import dev.paralelo.shm.BarrierLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every layout shared between Java and C is described the same on both sides. */
class LayoutTest {
    @Test
    void barrierLayoutMatchesTheCStruct() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 5);
            assertEquals(0, ParaleloLib.plBarrierLayout(out, 5));
            assertArrayEquals(new long[] {BarrierLayout.MAGIC_OFFSET, BarrierLayout.PARTIES_OFFSET, BarrierLayout.ARRIVED_OFFSET,
                BarrierLayout.GENERATION_OFFSET, BarrierLayout.LENGTH}, out.toArray(ValueLayout.JAVA_LONG));
            MemorySegment b = a.allocate(BarrierLayout.LENGTH, 64);
            assertEquals(0, ParaleloLib.plBarrierInit(b, 3));
            assertEquals(BarrierLayout.MAGIC, b.get(ValueLayout.JAVA_LONG, BarrierLayout.MAGIC_OFFSET));
            assertEquals(3, b.get(ValueLayout.JAVA_LONG, BarrierLayout.PARTIES_OFFSET));
            assertEquals(ParaleloLib.PL_BARRIER_MAGIC, BarrierLayout.MAGIC);
            assertEquals(ParaleloLib.PL_BARRIER_BROKEN, BarrierLayout.BROKEN, "the broken generation is the same word on both sides");
        }
    }

    @Test
    void ringFileLayoutMatchesTheCStructs() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 19);
            assertEquals(0, ParaleloLib.plRingLayout(out, 19));
            long slotsEnd = RingLayout.ownersOffset(0);
            assertArrayEquals(new long[] {
                RingFileLayout.MAGIC_OFFSET, RingFileLayout.VERSION_OFFSET, RingFileLayout.HEADER_LENGTH_OFFSET,
                RingFileLayout.SLOT_BYTES_OFFSET, RingFileLayout.SLOTS_OFFSET, RingFileLayout.MAX_FRAME_OFFSET,
                RingFileLayout.SLOT_LENGTH_OFFSET, RingFileLayout.RING_LENGTH_OFFSET, RingFileLayout.PARENT_PID_OFFSET,
                RingFileLayout.HEARTBEAT_OFFSET, RingFileLayout.CLOSED_OFFSET, RingFileLayout.LENGTH,
                RingLayout.TAIL_OFFSET, RingLayout.HEAD_OFFSET, RingLayout.SLOTS_OFFSET, slotsEnd,
                RingLayout.SEQUENCE_OFFSET, RingLayout.FRAME_LENGTH_OFFSET, RingLayout.SLOT_LENGTH},
                    out.toArray(ValueLayout.JAVA_LONG));
            assertEquals(ParaleloLib.PL_E_ARG, ParaleloLib.plRingLayout(out, 18), "too short an array is refused");
            assertEquals(ParaleloLib.PL_RING_MAGIC, RingFileLayout.MAGIC);
            assertEquals(ParaleloLib.PL_RING_VERSION, RingFileLayout.VERSION);
            assertEquals(ParaleloLib.PL_RING_READER, RingLayout.READER);
            assertEquals(ParaleloLib.PL_RING_RECLAIMED, RingLayout.RECLAIMED & 0xFFFF_FFFFL);
            assertEquals(ParaleloLib.PL_RING_MAX_PID, RingLayout.MAX_PID);
        }
    }

    @Test
    void ringOffsetsMatchTheC() {
        SplittableRandom random = new SplittableRandom(11);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_LONG, 4);
            for (int slots = RingLayout.MIN_SLOTS; slots <= RingLayout.MAX_SLOTS; slots <<= 1) {
                for (int slotBytes = RingLayout.MIN_SLOT_BYTES; slotBytes <= RingLayout.MAX_SLOT_BYTES; slotBytes <<= 2) {
                    for (int i = 0; i < 64; i++) {
                        long pos = i < 32 ? i : random.nextLong(1L << 62);
                        assertEquals(0, ParaleloLib.plRingOffsets(slots, slotBytes, pos, out, 4));
                        long slot = pos & (slots - 1);
                        assertArrayEquals(new long[] {
                            RingLayout.SLOTS_OFFSET + slot * RingLayout.SLOT_LENGTH, RingLayout.ownerOffset(slots, pos),
                            RingLayout.dataOffset(slots) + slot * slotBytes, RingLayout.length(slots, slotBytes)},
                                out.toArray(ValueLayout.JAVA_LONG), slots + " slots of " + slotBytes + " bytes, position " + pos);
                    }
                }
            }
            assertEquals(ParaleloLib.PL_E_ARG, ParaleloLib.plRingOffsets(48, 64, 0, out, 4), "slots not a power of two");
            assertEquals(ParaleloLib.PL_E_ARG, ParaleloLib.plRingOffsets(64, 64, -1, out, 4), "a negative position");
            assertEquals(ParaleloLib.PL_E_ARG, ParaleloLib.plRingOffsets(64, 64, 0, out, 3), "too short an array");
        }
    }

    @Test
    void exactSumHasTheLayoutOfPlAcc() {
        long[] j = new long[ExactAccumulator.WORDS];
        ExactAccumulator.add(j, 0, 1.5);
        ExactAccumulator.add(j, 0, -0x1p-1074);
        ExactAccumulator.add(j, 0, Double.NaN);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate((long) ExactAccumulator.WORDS * 8, 8);
            ParaleloLib.plAccInit(c);
            ParaleloLib.plAccAdd(c, 1.5);
            ParaleloLib.plAccAdd(c, -0x1p-1074);
            ParaleloLib.plAccAdd(c, Double.NaN);
            assertArrayEquals(j, c.toArray(ValueLayout.JAVA_LONG));
        }
    }

    @Test
    void exactProductsHaveTheWordsOfPlAccAddProduct() {
        double[][] pairs = {{1e200, 1e200}, {1e200, -1e200}, {0x1p-1074, 0x1p-1074}, {-0x1.fffffffffffffp1023, 0x1.fffffffffffffp1023},
            {1.5e-323, 0.5}, {3.0, -0.0}, {Double.POSITIVE_INFINITY, 0.0}, {Double.NEGATIVE_INFINITY, 2.0}, {0.1, 0.7}};
        long[] j = new long[ExactAccumulator.WORDS];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate((long) ExactAccumulator.WORDS * 8, 8);
            ParaleloLib.plAccInit(c);
            for (double[] p : pairs) {
                ExactAccumulator.addProduct(j, 0, p[0], p[1]);
                assertEquals(0, ParaleloLib.plAccAddProduct(c, p[0], p[1]));
                assertArrayEquals(j, c.toArray(ValueLayout.JAVA_LONG), p[0] + " * " + p[1]);
            }
        }
    }
}
