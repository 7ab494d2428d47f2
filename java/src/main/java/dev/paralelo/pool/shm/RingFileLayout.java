package dev.paralelo.pool.shm;

/**
 * Byte layout of a ring file's header, the Java twin of {@code struct pl_ring_file} in
 * {@code paralelo.h} (a test checks that the two agree). The ring file is a {@code .npy} array of
 * int64 (numpy can map it); offsets here are from the start of its data, which is 64-byte
 * aligned. The header is followed by two rings ({@link RingLayout}): tasks from the parent to
 * the workers at {@link #LENGTH}, results back at {@code LENGTH + ring length}.
 *
 * <p>Everything before {@link #HEARTBEAT_OFFSET} is written once, before the file is published
 * (the magic last, with release), and checked by every open. The heartbeat and the closed flag
 * each have a 128-byte line of their own.
 */
public final class RingFileLayout {
    private RingFileLayout() {}

    /** int64 {@link #MAGIC}. */
    public static final long MAGIC_OFFSET = 0;
    /** int32 {@link #VERSION}. */
    public static final long VERSION_OFFSET = 8;
    /** int32 bytes of this header ({@link #LENGTH}): where the task ring starts. */
    public static final long HEADER_LENGTH_OFFSET = 12;
    /** int32 data bytes of one slot, in both rings. */
    public static final long SLOT_BYTES_OFFSET = 16;
    /** int32 slots per ring. */
    public static final long SLOTS_OFFSET = 20;
    /** int32 largest frame, in bytes, either ring carries. */
    public static final long MAX_FRAME_OFFSET = 24;
    /** int32 bytes of one slot descriptor ({@link RingLayout#SLOT_LENGTH}), a check that both sides agree. */
    public static final long SLOT_LENGTH_OFFSET = 28;
    /** int64 bytes of one ring ({@link RingLayout#length}). */
    public static final long RING_LENGTH_OFFSET = 32;
    /** int64 pid of the parent process, which created the file. */
    public static final long PARENT_PID_OFFSET = 40;
    /** int64 counter the parent increments at least every 100 ms while it is alive. */
    public static final long HEARTBEAT_OFFSET = 128;
    /** int64 0 while open; 1 once the parent has closed the transport (release). */
    public static final long CLOSED_OFFSET = 256;
    /** Bytes of the header; the task ring starts here. */
    public static final long LENGTH = 512;

    /** "PLRING" as a little-endian int64: marks an initialised ring file. */
    public static final long MAGIC = 0x474E49524C50L;
    /** Format version (2: the owner words left the slot descriptors); a file of another version is refused. */
    public static final int VERSION = 2;

    /**
     * Offset of the task ring (parent to workers).
     *
     * @return {@link #LENGTH}, the offset from the start of the file's data
     */
    public static long taskRingOffset() {
        return LENGTH;
    }

    /**
     * Offset of the result ring (workers to parent) for rings of ringLength bytes.
     *
     * @param ringLength bytes of one ring ({@link RingLayout#length})
     * @return LENGTH + ringLength, the offset from the start of the file's data
     */
    public static long resultRingOffset(long ringLength) {
        return LENGTH + ringLength;
    }

    /**
     * Bytes of the data of a ring file whose rings are ringLength bytes each.
     *
     * @param ringLength bytes of one ring ({@link RingLayout#length})
     * @return LENGTH + 2 * ringLength: the header and both rings
     */
    public static long length(long ringLength) {
        return LENGTH + 2 * ringLength;
    }
}
