package dev.paralelo.pool.shm;

import java.util.function.LongPredicate;

/**
 * Frees a ring from records whose owner died (or stalled for longer than a timeout), so that a
 * worker killed in the middle of a frame never wedges the ring for the others. The parent runs
 * one sweeper per ring, from its own waits; nobody else sweeps.
 *
 * <p>Two records can block a ring. At the head, a record a producer claimed and never
 * published blocks every consumer: it is published again as a skipped record. A lap behind the
 * tail, a record a consumer took and never released blocks every producer: it is released. In
 * both cases the sweeper first takes the record with a compare-and-set of its owner word, so it
 * never races with an owner that is only slow: if the owner is alive and did record itself, the
 * sweeper leaves the record alone; if it did not record itself yet (it stalled between its claim
 * and that compare-and-set, or died there) the sweeper takes the record after it has stayed so
 * for the stuck timeout, and the owner's own compare-and-set then fails: a producer claims
 * again, a consumer skips the frame. A skipped frame is lost; the pool resends on its own.
 *
 * <p>A live owner that keeps a blocking record unchanged for the held timeout is stopped or hung:
 * a healthy one holds a record only while it copies one frame. The sweeper cannot take that
 * record, since the owner may go on writing into the slots at any moment (a stopped process
 * resumes where it stopped); it reports the owner instead ({@link #takeBlocker()}), for whoever
 * started that process to kill it. Once the owner is dead, the next sweep frees the record.
 *
 * <p>Not thread-safe: one thread sweeps a ring.
 */
public final class RingSweeper {
    private final ShmRing ring;
    private final LongPredicate alive;
    private final long stuckNanos, heldNanos;
    private final Stuck atHead = new Stuck(), behindTail = new Stuck();
    /** The last finding of a live owner that holds a blocking record: its pid, the record, and the sequence word that shows it held. */
    private long named, namedPos = -1, namedWord, namedSequence;
    /** Whether that finding waits to be taken by {@link #takeBlocker()}. */
    private boolean pending;
    /** The record (position and owner word) whose owner the caller declared gone, or position -1. */
    private long gonePos = -1, goneWord;

    /** The four ways a record can block, each timed on its own (a record can pass from one to another). */
    private static final int CLAIMED = 0, WRITING = 1, TAKEN = 2, READING = 3;

    /** How long one suspect record has stayed as it is: the same position, owner word and way of blocking. */
    private static final class Stuck {
        long pos = -1, owner, since;
        int kind;

        /** True once (pos, owner, kind) has been seen unchanged for nanos. */
        boolean expired(long p, long o, int k, long now, long nanos) {
            if (p != pos || o != owner || k != kind) {
                pos = p;
                owner = o;
                kind = k;
                since = now;
                return false;
            }
            return now - since >= nanos;
        }
    }

    /**
     * A sweeper of ring; alive says whether a pid names a live process; stuckNanos is how long a
     * record without a recorded owner must stay stuck before it is taken over, heldNanos how long
     * a live owner may keep a blocking record before it is reported.
     *
     * @param ring the ring to sweep; only this sweeper's thread sweeps it
     * @param alive tests a pid (the low bits of an owner word) for a live process;
     *     {@link #processAlive} in production, a fake in tests of dead owners
     * @param stuckNanos how long, in nanoseconds of the clock passed to {@link #sweep}, a record
     *     claimed but without a recorded owner must stay unchanged before it is taken over
     * @param heldNanos how long, on the same clock, a live recorded owner may keep a record that
     *     blocks the ring before {@link #takeBlocker()} names it
     */
    public RingSweeper(ShmRing ring, LongPredicate alive, long stuckNanos, long heldNanos) {
        this.ring = ring;
        this.alive = alive;
        this.stuckNanos = stuckNanos;
        this.heldNanos = heldNanos;
    }

    /**
     * The pid of a live process that a sweep found holding a record that blocks the ring, the
     * same record for at least the held timeout (a producer that claimed and never published, or
     * a consumer that took a record and never released it): stopped or hung. Only while it still
     * holds that record: a finding whose record has moved on since (the process went on) names
     * nobody. Forgotten once returned; a later sweep names it again while it still holds the
     * record.
     *
     * @return that pid, or 0 if no sweep found one since the last call, or it no longer holds the record
     */
    public long takeBlocker() {
        if (!pending) return 0;
        pending = false;
        return holds() ? named : 0;
    }

    /** Whether the last finding's record is still held as it was found. */
    private boolean holds() {
        return namedPos >= 0 && ring.owner(namedPos) == namedWord && ring.sequence(namedPos) == namedSequence;
    }

    /**
     * Declares the owner of the record last named with this pid gone, although the pid names a
     * live process now: the owner was one of the caller's workers, it died, and its pid was given
     * to another process. The next sweep then frees that record as a dead owner's. Only that
     * record, and only if it is still held as it was found: nothing else of that pid.
     *
     * @param pid a pid that {@link #takeBlocker()} returned, whose process the caller knows has ended
     */
    public void ownerGone(long pid) {
        if (pid == 0 || pid != named || !holds()) return;
        gonePos = namedPos;
        goneWord = namedWord;
    }

    private void found(int pid, long pos, long ow, long sequence) {
        named = pid;
        namedPos = pos;
        namedWord = ow;
        namedSequence = sequence;
        pending = true;
    }

    /** Whether the owner pid of the record (pos, ow) is gone: its process ended, or the caller said so of that record. */
    private boolean dead(int pid, long pos, long ow) {
        return (pos == gonePos && ow == goneWord) || !alive.test(pid);
    }

    /**
     * Whether the process with this pid exists (and is not a zombie: a process whose every thread ended).
     *
     * @param pid a process id
     * @return true if a process with that pid is running on this machine; false for a zombie or a
     *     pid that names no process
     */
    public static boolean processAlive(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) return false;
        // The JDK calls a zombie alive (it only asks whether the pid exists). On Linux the state
        // in /proc/PID/status tells, but it is the main thread's: a process whose main thread
        // ended (pthread_exit) while others run shows Z too, and lives. So Z or X is dead only
        // with one thread left.
        try {
            char state = 0;
            long threads = -1;
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("State:")) state = line.substring(6).strip().charAt(0);
                else if (line.startsWith("Threads:")) threads = Long.parseLong(line.substring(8).strip());
            }
            return !((state == 'Z' || state == 'X') && threads <= 1);
        } catch (java.nio.file.NoSuchFileException e) {
            return !java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self")); // gone meanwhile, unless there is no /proc
        } catch (java.io.IOException | RuntimeException e) {
            return true; // cannot tell: as the JDK says
        }
    }

    /**
     * Looks at the two records that can block the ring and frees them if their owners are gone; how many it freed.
     *
     * @param nowNanos the current time, from {@link System#nanoTime()} or a test's clock
     * @return how many records were freed, 0 to 2
     */
    public int sweep(long nowNanos) {
        int freed = 0;
        long h = ring.head();
        if (ring.sequence(h) == h && h < ring.tail()) freed += unpublished(h, nowNanos, atHead);
        long t = ring.tail();
        long c = firstUnreleased(t - ring.slots(), t);
        if (c >= 0) {
            long s = ring.sequence(c);
            if (s == c) freed += unpublished(c, nowNanos, behindTail);
            else if (s == c + 1 && ring.head() > c) freed += unreleased(c, nowNanos);
        }
        return freed;
    }

    /**
     * The first position in [from, to) whose slot has not been released for the next lap, or
     * -1. Every position before tail - slots was released (a producer claimed the same slot a lap
     * later), and a record's first slot is released last, so this is the start of a record.
     */
    private long firstUnreleased(long from, long to) {
        for (long c = Math.max(0, from); c < to; c++) {
            if (ring.sequence(c) < c + ring.slots()) return c;
        }
        return -1;
    }

    /** A record claimed at pos and not published: republished as skipped once its producer is gone. */
    private int unpublished(long pos, long now, Stuck stuck) {
        long ow = ring.owner(pos);
        // A word that names nobody (the lap before's, or this lap's nobody) means not recorded
        // yet; another lap's means the ring moved on meanwhile.
        int holder = ring.namesNobody(pos, ow) ? 0 : ow >>> 32 == ring.ownerWord(pos, 0) >>> 32 ? (int) ow : -1;
        boolean take;
        if (holder == 0) take = stuck.expired(pos, ow, CLAIMED, now, stuckNanos); // claimed, owner not recorded yet
        else if (holder > 0 && (holder & RingLayout.READER) == 0) {
            take = dead(holder, pos, ow);
            if (!take && stuck.expired(pos, ow, WRITING, now, heldNanos)) found(holder, pos, ow, pos);
        } else {
            take = false;
        }
        if (!take || !ring.casOwner(pos, ow, ring.ownerWord(pos, RingLayout.RECLAIMED))) return 0;
        if (pos == gonePos) gonePos = -1;
        // Ours now: nobody can record itself or publish there any more. A producer that died
        // right after publishing has left a record to deliver, not to skip (the owner word of a
        // record's first slot outlives its lap, so the compare-and-set alone does not say that
        // the record is still unpublished).
        if (ring.sequence(pos) != pos) {
            ring.casOwner(pos, ring.ownerWord(pos, RingLayout.RECLAIMED), ow);
            return 0;
        }
        // The record's length may never have been written: take every following position whose
        // owner is not recorded yet, up to the first record another producer owns (or the tail).
        // A live producer whose record we take this way fails its own compare-and-set and claims
        // again, before writing anything.
        long end = pos + 1, tail = ring.tail();
        while (end < tail && end - pos < ring.slots() && ring.recordOwner(end, RingLayout.RECLAIMED)) end++;
        ring.publishSkipped(pos, end);
        return 1;
    }

    /** A record consumed at pos and not released: released once its consumer is gone. */
    private int unreleased(long pos, long now) {
        long ow = ring.owner(pos);
        int holder = (int) ow;
        if (ow != ring.ownerWord(pos, holder) || holder <= 0) return 0;
        boolean take;
        int reader = holder & ~RingLayout.READER;
        if ((holder & RingLayout.READER) != 0) {
            take = dead(reader, pos, ow);
            if (!take && behindTail.expired(pos, ow, READING, now, heldNanos)) found(reader, pos, ow, pos + 1);
        } else {
            take = behindTail.expired(pos, ow, TAKEN, now, stuckNanos); // claimed by a consumer that has not recorded itself yet
        }
        if (!take || !ring.casOwner(pos, ow, ring.ownerWord(pos, RingLayout.RECLAIMED))) return 0;
        if (pos == gonePos) gonePos = -1;
        // A consumer that released the record and then died leaves its word behind (a release
        // keeps the first slot's owner word): released already, and perhaps claimed again.
        if (ring.sequence(pos) != pos + 1) return 0;
        ring.release(pos, ring.positions(ring.frameLength(pos)));
        return 1;
    }
}
