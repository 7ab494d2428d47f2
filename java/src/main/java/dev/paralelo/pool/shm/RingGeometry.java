package dev.paralelo.pool.shm;

/**
 * The shape of both rings of a ring file: slots of slotBytes data bytes (both powers of two)
 * and the largest frame, at most half a ring's data so that two of them always fit.
 *
 * @param slotBytes data bytes per slot; a frame of n bytes takes max(1, ceil(n / slotBytes)) slots
 * @param slots slots per ring
 * @param maxFrameBytes the largest frame either ring carries
 */
public record RingGeometry(int slotBytes, int slots, int maxFrameBytes) {
    /** 16384 slots of 64 bytes (1 MiB of data per ring), frames up to 64 KiB. */
    public static final RingGeometry DEFAULT = new RingGeometry(64, 16384, 64 * 1024);

    /** IllegalArgumentException unless the geometry is one {@link ShmRing#checkGeometry} accepts. */
    public RingGeometry {
        ShmRing.checkGeometry(slotBytes, slots, maxFrameBytes);
    }

    /**
     * Bytes of one ring.
     *
     * @return {@code RingLayout.length(slots, slotBytes)}: cursors, descriptors, owner words and data, a
     *     multiple of 128
     */
    public long ringLength() {
        return RingLayout.length(slots, slotBytes);
    }
}
