package dev.paralelo.pool.shm;

import dev.paralelo.DType;
import dev.paralelo.NumArray;
import dev.paralelo.shm.NpyFormatException;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * A ring file mapped by one process: the header of {@link RingFileLayout} and the two rings.
 * The file is a {@code .npy} array of int64, made and opened by {@link SharedArray}, so it gets
 * the same care: created under a temporary name with mode 0600, its blocks reserved, filled and
 * only then published (a process that opens it sees no file or a complete one); opened without
 * following a symbolic link, refused if another user owns it. Opening then checks the header:
 * magic, version, sizes, and that they describe exactly this file.
 *
 * <p>Thread-safe. {@link #close()} unmaps: a thread still using the rings then fails with
 * IllegalStateException.
 */
final class RingFile implements AutoCloseable {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final SharedArray file;
    private final MemorySegment seg;
    private final RingGeometry geometry;
    private final long parentPid;
    private final ShmRing tasks, results;

    private RingFile(SharedArray file, RingGeometry geometry, long parentPid, long pid, boolean parent) {
        this.file = file;
        this.seg = file.array().segment();
        this.geometry = geometry;
        this.parentPid = parentPid;
        long ringLength = geometry.ringLength();
        // the parent's end is the sole producer of tasks and the sole consumer of results
        this.tasks = ring(RingFileLayout.taskRingOffset(), ringLength, pid, parent, false);
        this.results = ring(RingFileLayout.resultRingOffset(ringLength), ringLength, pid, false, parent);
    }

    private ShmRing ring(long offset, long length, long pid, boolean soleProducer, boolean soleConsumer) {
        return new ShmRing(seg.asSlice(offset, length), geometry.slotBytes(), geometry.slots(), geometry.maxFrameBytes(), pid,
                soleProducer, soleConsumer);
    }

    /** Creates and publishes a ring file at path for this process as the parent; fails if path exists. */
    static RingFile create(Path path, RingGeometry g) throws IOException {
        long ringLength = g.ringLength();
        long words = RingFileLayout.length(ringLength) / 8;
        long pid = ProcessHandle.current().pid();
        SharedArray a = SharedArray.create(path, DType.I64, new long[] {words}, false, arr -> init(arr, g, pid));
        return new RingFile(a, g, pid, pid, true);
    }

    private static void init(NumArray arr, RingGeometry g, long pid) {
        MemorySegment s = arr.segment();
        long ringLength = g.ringLength();
        INT.set(s, RingFileLayout.VERSION_OFFSET, RingFileLayout.VERSION);
        INT.set(s, RingFileLayout.HEADER_LENGTH_OFFSET, (int) RingFileLayout.LENGTH);
        INT.set(s, RingFileLayout.SLOT_BYTES_OFFSET, g.slotBytes());
        INT.set(s, RingFileLayout.SLOTS_OFFSET, g.slots());
        INT.set(s, RingFileLayout.MAX_FRAME_OFFSET, g.maxFrameBytes());
        INT.set(s, RingFileLayout.SLOT_LENGTH_OFFSET, RingLayout.SLOT_LENGTH);
        LONG.set(s, RingFileLayout.RING_LENGTH_OFFSET, ringLength);
        LONG.set(s, RingFileLayout.PARENT_PID_OFFSET, pid);
        ShmRing.init(s.asSlice(RingFileLayout.taskRingOffset(), ringLength), g.slotBytes(), g.slots());
        ShmRing.init(s.asSlice(RingFileLayout.resultRingOffset(ringLength), ringLength), g.slotBytes(), g.slots());
        LONG.setRelease(s, RingFileLayout.MAGIC_OFFSET, RingFileLayout.MAGIC);
    }

    /** Opens the ring file at path, read-write; {@link RingFormatException} if it is not one. */
    static RingFile open(Path path) throws IOException {
        SharedArray a;
        try {
            a = SharedArray.open(path, true);
        } catch (NpyFormatException e) {
            throw new RingFormatException(path + " is not a ring file: " + e.getMessage());
        }
        try {
            if (a.array().dtype() != DType.I64 || a.shape().length != 1) throw bad(path, "it holds no int64 vector");
            MemorySegment s = a.array().segment();
            if (s.byteSize() < RingFileLayout.LENGTH) throw bad(path, "it is " + s.byteSize() + " bytes, shorter than a ring file header");
            long magic = (long) LONG.getAcquire(s, RingFileLayout.MAGIC_OFFSET);
            if (magic != RingFileLayout.MAGIC) throw bad(path, "its magic word is 0x" + Long.toHexString(magic));
            int version = (int) INT.get(s, RingFileLayout.VERSION_OFFSET);
            if (version != RingFileLayout.VERSION) {
                throw bad(path, "it is version " + version + ", this build reads version " + RingFileLayout.VERSION);
            }
            int headerLength = (int) INT.get(s, RingFileLayout.HEADER_LENGTH_OFFSET);
            int slotLength = (int) INT.get(s, RingFileLayout.SLOT_LENGTH_OFFSET);
            if (headerLength != RingFileLayout.LENGTH || slotLength != RingLayout.SLOT_LENGTH) {
                throw bad(path, "its header is " + headerLength + " bytes and its slot descriptors " + slotLength
                        + " bytes, this build uses " + RingFileLayout.LENGTH + " and " + RingLayout.SLOT_LENGTH);
            }
            RingGeometry g;
            try {
                g = new RingGeometry((int) INT.get(s, RingFileLayout.SLOT_BYTES_OFFSET), (int) INT.get(s, RingFileLayout.SLOTS_OFFSET),
                        (int) INT.get(s, RingFileLayout.MAX_FRAME_OFFSET));
            } catch (IllegalArgumentException e) {
                throw bad(path, e.getMessage());
            }
            long ringLength = (long) LONG.get(s, RingFileLayout.RING_LENGTH_OFFSET);
            if (ringLength != g.ringLength() || s.byteSize() != RingFileLayout.length(ringLength)) {
                throw bad(path, "its sizes disagree: rings of " + ringLength + " bytes (the geometry says " + g.ringLength()
                        + ") in " + s.byteSize() + " bytes of data");
            }
            long parent = (long) LONG.get(s, RingFileLayout.PARENT_PID_OFFSET);
            if (parent < 1 || parent > RingLayout.MAX_PID) throw bad(path, "its parent pid is " + parent);
            return new RingFile(a, g, parent, ProcessHandle.current().pid(), false);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    private static RingFormatException bad(Path path, String why) {
        return new RingFormatException(path + " is not a usable ring file: " + why);
    }

    /** The ring of tasks, parent to workers. */
    ShmRing tasks() {
        return tasks;
    }

    /** The ring of results, workers to parent. */
    ShmRing results() {
        return results;
    }

    /** The mapped data: the header, then the rings. */
    MemorySegment segment() {
        return seg;
    }

    RingGeometry geometry() {
        return geometry;
    }

    long parentPid() {
        return parentPid;
    }

    Path path() {
        return file.path();
    }

    /** Adds one to the heartbeat counter (the parent only). */
    void beat() {
        LONG.getAndAdd(seg, RingFileLayout.HEARTBEAT_OFFSET, 1L);
    }

    long heartbeat() {
        return (long) LONG.getAcquire(seg, RingFileLayout.HEARTBEAT_OFFSET);
    }

    /** Whether the parent has closed the transport. */
    boolean closed() {
        return (long) LONG.getAcquire(seg, RingFileLayout.CLOSED_OFFSET) != 0;
    }

    /** Marks the transport closed, for every process (release). */
    void markClosed() {
        LONG.setRelease(seg, RingFileLayout.CLOSED_OFFSET, 1L);
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        file.close();
    }
}
