package dev.paralelo.pool.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transport between real processes: workers in other JVMs, killed with SIGKILL mid-stream, and a parent killed under its workers. */
class RingProcessTest {
    static final long MS = 1_000_000;
    /** Small rings, so that a few hundred frames go round them many times. */
    static final RingGeometry G = new RingGeometry(32, 256, 4096);

    @TempDir
    Path dir;

    private final List<Process> peers = new ArrayList<>();
    private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-heartbeat");
        t.setDaemon(true);
        return t;
    });

    /**
     * A transport in dir that beats every 50 ms, as a pool's parent does: without a beat its
     * workers take the parent for dead after 3 s (starting a peer JVM on a loaded machine takes
     * that long).
     */
    ShmTransport transport() throws Exception {
        ShmTransport t = ShmTransport.create(dir, G);
        beats.scheduleAtFixedRate(t::heartbeat, 50, 50, TimeUnit.MILLISECONDS);
        return t;
    }

    @AfterEach
    void stopPeers() throws InterruptedException {
        beats.shutdownNow();
        for (Process p : peers) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    Process peer(String... args) throws Exception {
        Process p = RingPeer.start(args);
        peers.add(p);
        return p;
    }

    /** Task n: its id and a payload of 0 to 600 bytes (up to 20 slots). */
    static byte[] task(int n) {
        int len = 8 + (int) ((n * 0x9E3779B9L >>> 7) % 601);
        byte[] b = new byte[len];
        for (int i = 8; i < len; i++) b[i] = (byte) (n + i);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        return b;
    }

    /** Sends tasks [from, to) and takes answers while it goes; every answer must be right and new. Returns the answers taken. */
    static int pump(ShmTransport t, int from, int to, BitSet answered, long timeoutNanos) {
        int got = 0;
        long start = System.nanoTime();
        for (int n = from; n < to; ) {
            byte[] f = task(n);
            if (t.send(f, 0, f.length, 0)) n++;
            got += take(t, answered, 0);
            if (System.nanoTime() - start > timeoutNanos) throw new AssertionError("stuck after sending " + (n - from) + " tasks");
        }
        return got;
    }

    static int take(ShmTransport t, BitSet answered, long waitNanos) {
        int got = 0;
        for (byte[] a = t.receive(waitNanos); a != null; a = t.receive(0)) {
            int n = (int) ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertTrue(Arrays.equals(RingPeer.answer(task(n)), a), "answer " + n + " is wrong");
            assertFalse(answered.get(n), "task " + n + " answered twice");
            answered.set(n);
            got++;
        }
        return got;
    }

    /**
     * Sends tasks [from, to) and takes answers until answered holds total of them, failing if
     * the answers stop for 5 s.
     */
    static void allAnswered(ShmTransport t, int from, int to, BitSet answered, int total) {
        pump(t, from, to, answered, 30_000 * MS);
        while (answered.cardinality() < total) {
            assertTrue(take(t, answered, 5_000 * MS) > 0, "answers stopped at " + answered.cardinality());
        }
    }

    /** A peer that claimed a result record and waits there (stopped with SIGSTOP if stopped), then an echo worker: the claimer. */
    Process claimerThenWorker(ShmTransport t, boolean stopped) throws Exception {
        Process claimer = peer("claim", t.endpoint());
        assertTrue(RingPeer.line(claimer).startsWith("claimed"));
        if (stopped) stop(claimer);
        Process worker = peer("echo", t.endpoint());
        assertEquals("connected", RingPeer.line(worker));
        return claimer;
    }

    /** A peer that took task 0 off the task ring, recorded itself as its reader and stopped there. */
    Process holdingTaskZero(ShmTransport t) throws Exception {
        Process holder = peer("hold", t.endpoint());
        byte[] f = task(0);
        assertTrue(t.send(f, 0, f.length, 0));
        assertTrue(RingPeer.line(holder).startsWith("holding"));
        return holder;
    }

    @Test
    void workersInOtherJvmsAnswerEveryTaskOnceAndExitWhenClosed() throws Exception {
        int tasks = 20_000;
        BitSet answered = new BitSet();
        Process a, b;
        try (ShmTransport t = transport()) {
            a = peer("echo", t.endpoint());
            b = peer("echo", t.endpoint());
            assertEquals("connected", RingPeer.line(a));
            assertEquals("connected", RingPeer.line(b));
            int got = pump(t, 0, tasks, answered, 60_000 * MS);
            while (got < tasks) {
                int more = take(t, answered, 5_000 * MS);
                assertTrue(more > 0, "answers stopped at " + got);
                got += more;
            }
            assertEquals(tasks, answered.cardinality());
        }
        String ea = RingPeer.line(a), eb = RingPeer.line(b);
        assertTrue(a.waitFor(10, TimeUnit.SECONDS) && b.waitFor(10, TimeUnit.SECONDS), "workers exit when the transport closes");
        assertEquals(0, a.exitValue());
        assertEquals(0, b.exitValue());
        long byA = Long.parseLong(ea.replace("closed after ", "")), byB = Long.parseLong(eb.replace("closed after ", ""));
        assertEquals(tasks, byA + byB, ea + ", " + eb);
        assertTrue(byA > 0 && byB > 0, "both workers took tasks: " + ea + ", " + eb);
    }

    @Test
    void aCProgramJoinsAsAWorkerBesideAJvm() throws Exception {
        Path cPeer = Path.of(System.getProperty("user.dir"), "target", "native", "paralelo_shm_peer");
        assertTrue(Files.isExecutable(cPeer), "the C peer was not built: " + cPeer);
        int tasks = 10_000;
        BitSet answered = new BitSet();
        Process c, jvm;
        try (ShmTransport t = transport()) {
            c = new ProcessBuilder(cPeer.toString(), "ring-echo", t.path().toString(), "1000000")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            peers.add(c);
            jvm = peer("echo", t.endpoint());
            assertEquals("connected", RingPeer.line(c));
            assertEquals("connected", RingPeer.line(jvm));
            int got = pump(t, 0, tasks, answered, 60_000 * MS);
            while (got < tasks) {
                int more = take(t, answered, 5_000 * MS);
                assertTrue(more > 0, "answers stopped at " + got);
                got += more;
            }
        }
        String byC = RingPeer.line(c), byJvm = RingPeer.line(jvm);
        long nc = Long.parseLong(byC.replace("answered ", "")), nj = Long.parseLong(byJvm.replace("closed after ", ""));
        assertEquals(tasks, nc + nj, byC + ", " + byJvm);
        assertTrue(nc > 0, "the C worker answered some: " + byC + ", " + byJvm);
    }

    @Test
    void aWorkerKilledWhileHoldingATaskDoesNotWedgeTheRing() throws Exception {
        BitSet answered = new BitSet();
        try (ShmTransport t = transport()) {
            Process holder = holdingTaskZero(t);
            holder.destroyForcibly().waitFor();
            Process worker = peer("echo", t.endpoint());
            assertEquals("connected", RingPeer.line(worker));
            // Many laps of the task ring, through the slot the dead worker held.
            allAnswered(t, 1, 3001, answered, 3000);
            assertFalse(answered.get(0), "the held task is lost (the pool resends it)");
            assertEquals(3000, answered.cardinality());
        }
    }

    @Test
    void aWorkerKilledWhileWritingAResultDoesNotWedgeTheRing() throws Exception {
        BitSet answered = new BitSet();
        try (ShmTransport t = transport()) {
            Process claimer = claimerThenWorker(t, false);
            byte[] f = task(1);
            assertTrue(t.send(f, 0, f.length, 0));
            long t0 = System.nanoTime();
            // The claimed record is ahead of the answer; the claimer is alive, so nothing passes it.
            assertEquals(0, take(t, answered, 300 * MS));
            claimer.destroyForcibly().waitFor();
            assertEquals(1, take(t, answered, 5_000 * MS), "the answer behind the dead claim arrives");
            assertTrue(System.nanoTime() - t0 < 3_000 * MS);
            allAnswered(t, 2, 2002, answered, 2001);
        }
    }

    static void stop(Process p) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(p.pid())).start().waitFor());
    }

    /**
     * A worker stopped (SIGSTOP) while it holds a task record blocks the task ring a lap later,
     * and, alive, cannot be swept (it may resume and read on): the transport names it once it has
     * held the record for HELD_NANOS, and once it is killed the ring goes on.
     */
    @Test
    void aStoppedWorkerHoldingATaskIsNamedAndTheRingGoesOnOnceItIsKilled() throws Exception {
        BitSet answered = new BitSet();
        try (ShmTransport t = transport()) {
            Process holder = holdingTaskZero(t);
            stop(holder);
            long held = System.nanoTime();
            Process worker = peer("echo", t.endpoint());
            assertEquals("connected", RingPeer.line(worker));
            int n = 1;
            long blocker = 0;
            while (blocker == 0) { // a lap of the ring, then stuck at the held slot
                assertTrue(System.nanoTime() - held < 60_000 * MS, "never named; sent " + n);
                byte[] x = task(n);
                if (t.send(x, 0, x.length, 10 * MS)) n++;
                take(t, answered, 0);
                blocker = t.blockingWorker();
            }
            assertEquals(holder.pid(), blocker);
            assertTrue(System.nanoTime() - held >= ShmTransport.HELD_NANOS);
            assertTrue(n > G.slots() / 20, "the ring went round before it stuck: " + n);
            assertEquals(0, t.blockingWorker(), "named once per finding");
            holder.destroyForcibly().waitFor();
            allAnswered(t, n, n + 2000, answered, n - 1 + 2000);
            assertFalse(answered.get(0), "the held task is lost (the pool resends it)");
            assertEquals(n - 1 + 2000, answered.cardinality());
        }
    }

    /**
     * A worker stopped between claiming a result record and publishing it blocks every answer
     * behind it: the transport names it after HELD_NANOS, delivers nothing past it meanwhile, and
     * delivers the rest once it is killed.
     */
    @Test
    void aStoppedWorkerHalfWayThroughAResultIsNamedAndTheRingGoesOnOnceItIsKilled() throws Exception {
        BitSet answered = new BitSet();
        try (ShmTransport t = transport()) {
            long claimed = System.nanoTime();
            Process claimer = claimerThenWorker(t, true);
            byte[] f = task(1);
            assertTrue(t.send(f, 0, f.length, 0));
            long blocker = 0;
            while (blocker == 0) {
                assertTrue(System.nanoTime() - claimed < 60_000 * MS, "never named");
                assertEquals(0, take(t, answered, 10 * MS), "nothing passes the claimed record");
                blocker = t.blockingWorker();
            }
            assertEquals(claimer.pid(), blocker);
            assertTrue(System.nanoTime() - claimed >= ShmTransport.HELD_NANOS);
            claimer.destroyForcibly().waitFor();
            assertEquals(1, take(t, answered, 5_000 * MS), "the answer behind the dead claim arrives");
            assertEquals(0, t.blockingWorker());
        }
    }

    @Test
    void workersKilledAtRandomMomentsMidStreamLoseOnlyWhatTheyHeld() throws Exception {
        BitSet answered = new BitSet();
        try (ShmTransport t = transport()) {
            Process survivor = peer("echo", t.endpoint());
            assertEquals("connected", RingPeer.line(survivor));
            int sent = 0, victims = 3;
            for (int v = 0; v < victims; v++) {
                Process victim = peer("echo", t.endpoint());
                assertEquals("connected", RingPeer.line(victim));
                sent = pumpFor(t, sent, answered, 150 + 97 * v);
                victim.destroyForcibly().waitFor(); // SIGKILL, wherever it is
            }
            int end = sent + 3000;
            pump(t, sent, end, answered, 30_000 * MS);
            long quiet = System.nanoTime();
            while (System.nanoTime() - quiet < 2_000 * MS) {
                if (take(t, answered, 100 * MS) > 0) quiet = System.nanoTime();
            }
            int lost = end - answered.cardinality();
            System.out.println("ring kill test: " + victims + " workers killed mid-stream, " + lost + " of " + end + " tasks lost");
            // Each victim held at most its tasks in flight: one it was working on, one half-written answer.
            assertTrue(lost <= 2 * victims, lost + " of " + end + " tasks unanswered");
            for (int n = sent; n < end; n++) assertTrue(answered.get(n), "task " + n + ", sent after the last kill, was answered");
        }
    }

    /** Sends and takes for about ms milliseconds; returns the next task number. */
    static int pumpFor(ShmTransport t, int from, BitSet answered, long ms) {
        long stop = System.nanoTime() + ms * MS;
        int n = from;
        while (System.nanoTime() < stop) {
            byte[] f = task(n);
            if (t.send(f, 0, f.length, 0)) n++;
            take(t, answered, 0);
        }
        return n;
    }

    @Test
    void aWorkerSeesItsParentGoneOnceTheParentIsKilledAndRemovesItsFile() throws Exception {
        Process parent = peer("parent", dir.toString());
        String endpoint = RingPeer.line(parent);
        assertTrue(endpoint.startsWith("shm:"), endpoint);
        Path file = Path.of(endpoint.substring(4));
        try (ShmWorkerLink link = ShmWorkerLink.connect(endpoint)) {
            assertTrue(link.parentAlive());
            assertEquals(parent.pid(), link.parentPid());
            parent.destroyForcibly().waitFor();
            long t0 = System.nanoTime();
            while (link.parentAlive() && System.nanoTime() - t0 < 5_000 * MS) Thread.sleep(20);
            assertFalse(link.parentAlive(), "the parent's pid is gone");
            assertTrue(System.nanoTime() - t0 < 1_000 * MS, "noticed at once, not after the heartbeat timeout");
            assertNotNull(link.receive(0) == null ? "" : null, "nothing to receive, and no failure");
            assertTrue(Files.exists(file));
        }
        assertFalse(Files.exists(file), "the last link removed the orphaned ring file");
    }
}
