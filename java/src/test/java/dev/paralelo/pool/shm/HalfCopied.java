package dev.paralelo.pool.shm;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * What a worker stopped between two steps of a result leaves in a ring file, written by a test
 * for a worker process it has stopped: a result record claimed at the tail and owned by that
 * process, neither written nor published. The words are those of {@link ShmRing#offer} up to its
 * owner compare-and-set (docs/FORMAT.md, "Ring file"), so the parent cannot tell them from the
 * worker's own.
 */
public final class HalfCopied {
    private HalfCopied() {}

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /**
     * Claims one position of the result ring of the ring file at path, with pid as its owner.
     *
     * @param ringFile the pool's ring file
     * @param pid the process to name as the record's owner
     * @return the position claimed
     * @throws Exception if the file cannot be opened, or the ring stays busy for a second
     */
    public static long resultClaimedBy(Path ringFile, long pid) throws Exception {
        try (RingFile f = RingFile.open(ringFile)) {
            RingGeometry g = f.geometry();
            ShmRing r = new ShmRing(f.results().segment(), g.slotBytes(), g.slots(), g.maxFrameBytes(), pid);
            long end = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() - end < 0) {
                long t = r.tail();
                if (r.sequence(t) == t && LONG.compareAndSet(r.segment(), RingLayout.TAIL_OFFSET, t, t + 1)) {
                    if (!r.recordOwner(t, (int) pid)) throw new IllegalStateException("the parent took position " + t + " at once");
                    return t;
                }
                Thread.onSpinWait();
            }
            throw new IllegalStateException("the result ring of " + ringFile + " stayed busy");
        }
    }

    /**
     * Publishes frame whole in the result ring of the ring file at path, in pid's name, as a
     * worker's offer does: a frame that waits there until the parent receives it.
     *
     * @param ringFile the pool's ring file
     * @param pid the process to name as the record's owner while it is written
     * @param frame the frame
     * @throws Exception if the file cannot be opened, or the ring is full
     */
    public static void resultPublishedBy(Path ringFile, long pid, byte[] frame) throws Exception {
        try (RingFile f = RingFile.open(ringFile)) {
            RingGeometry g = f.geometry();
            ShmRing r = new ShmRing(f.results().segment(), g.slotBytes(), g.slots(), g.maxFrameBytes(), pid);
            if (!r.offer(frame, 0, frame.length)) throw new IllegalStateException("the result ring of " + ringFile + " is full");
        }
    }

    /**
     * Publishes the one-position record at pos of the result ring of the ring file at path as
     * skipped, as its owner pid would end a record it claimed with {@link #resultClaimedBy}
     * (standing in for a live worker that finishes a frame it was copying).
     *
     * @param ringFile the pool's ring file
     * @param pos a position resultClaimedBy returned
     * @param pid its owner
     * @throws Exception if the file cannot be opened
     */
    public static void resultFinished(Path ringFile, long pos, long pid) throws Exception {
        try (RingFile f = RingFile.open(ringFile)) {
            RingGeometry g = f.geometry();
            new ShmRing(f.results().segment(), g.slotBytes(), g.slots(), g.maxFrameBytes(), pid).publishSkipped(pos, pos + 1);
        }
    }

    /**
     * Starts a process that is not one of the pool's workers ({@link RingPeer}'s {@code claim}):
     * it opens the ring file at path, claims one result record as its own and waits there, alive.
     *
     * @param ringFile the pool's ring file
     * @return the process, once it has claimed; the caller kills it
     * @throws Exception if it cannot start, or says anything but that it claimed
     */
    public static Process strangerClaiming(Path ringFile) throws Exception {
        Process p = RingPeer.start("claim", ShmTransport.SCHEME + ringFile.toAbsolutePath());
        String line = RingPeer.line(p);
        if (!line.startsWith("claimed")) {
            p.destroyForcibly();
            throw new IllegalStateException("the claiming process said: " + line);
        }
        return p;
    }
}
