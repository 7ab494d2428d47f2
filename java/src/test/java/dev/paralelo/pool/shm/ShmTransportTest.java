package dev.paralelo.pool.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import dev.paralelo.pool.TransportClosedException;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parent's and a worker's ends in one process: frames, limits, timeouts, closing, bad files. */
class ShmTransportTest {
    static final RingGeometry SMALL = new RingGeometry(32, 64, 1024);
    static final long MS = 1_000_000;

    @TempDir
    Path dir;

    @Test
    void framesGoBothWays() throws IOException {
        try (ShmTransport t = ShmTransport.create(dir, SMALL); ShmWorkerLink w = ShmWorkerLink.connect(t.endpoint())) {
            byte[] task = ShmRingTest.frame(700, 1), result = ShmRingTest.frame(5, 2);
            assertTrue(t.send(task, 0, task.length, 0));
            assertArrayEquals(task, w.receive(MS));
            assertNull(w.receive(0), "each frame goes to one worker once");
            assertTrue(w.send(result, 1, 3, 0));
            assertArrayEquals(java.util.Arrays.copyOfRange(result, 1, 4), t.receive(MS));
            assertEquals(1024, t.maxFrameBytes());
            assertEquals(1024, w.maxFrameBytes());
            assertEquals(ProcessHandle.current().pid(), w.parentPid());
        }
    }

    @Test
    void theFileIsOwnerOnlyNamedForTheParentAndGoneAfterClose() throws IOException {
        Path path;
        try (ShmTransport t = ShmTransport.create(dir, SMALL)) {
            path = t.path();
            assertTrue(path.getFileName().toString().matches("paralelo-pool-" + ProcessHandle.current().pid() + "-\\d+\\.ring"), path.toString());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
            assertEquals("shm:" + path.toAbsolutePath(), t.endpoint());
            try (ShmTransport second = ShmTransport.create(dir, SMALL)) {
                assertFalse(second.path().equals(path), "two transports, two files");
            }
        }
        assertFalse(Files.exists(path), "close removes the file");
    }

    @Test
    void aClosedTransportRaisesTransportClosedExceptionAtBothEnds() throws IOException {
        ShmTransport t = ShmTransport.create(dir, SMALL);
        ShmWorkerLink w = ShmWorkerLink.connect(t.endpoint());
        assertTrue(w.parentAlive());
        t.close();
        t.close(); // idempotent
        byte[] f = new byte[4];
        assertThrows(TransportClosedException.class, () -> t.send(f, 0, 4, 0));
        assertThrows(TransportClosedException.class, () -> t.receive(0));
        t.heartbeat(); // nothing to tell any more, and no failure
        TransportClosedException e = assertThrows(TransportClosedException.class, () -> w.receive(MS));
        assertTrue(e.getMessage().contains("parent closed"), e.getMessage());
        assertThrows(TransportClosedException.class, () -> w.send(f, 0, 4, 0));
        assertFalse(w.parentAlive());
        w.close();
        assertThrows(TransportClosedException.class, () -> w.receive(0));
    }

    @Test
    void closingFromAnotherThreadEndsAWaitingReceive() throws Exception {
        ShmTransport t = ShmTransport.create(dir, SMALL);
        CompletableFuture<byte[]> waiting = CompletableFuture.supplyAsync(() -> t.receive(60_000 * MS));
        Thread.sleep(100);
        t.close();
        Exception e = assertThrows(Exception.class, () -> waiting.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof TransportClosedException, String.valueOf(e.getCause()));
    }

    @Test
    void sendGivesUpWhenTheRingStaysFullAndAnIdleReceiveBurnsNoCore() throws IOException {
        try (ShmTransport t = ShmTransport.create(dir, SMALL)) {
            byte[] f = new byte[32];
            int sent = 0;
            while (t.send(f, 0, f.length, 0)) sent++;
            assertEquals(64, sent, "one 32-byte frame per slot");
            long t0 = System.nanoTime();
            assertFalse(t.send(f, 0, f.length, 50 * MS));
            assertTrue(System.nanoTime() - t0 >= 50 * MS);
            long cpu0 = threadCpuNanos(), wall0 = System.nanoTime();
            assertNull(t.receive(300 * MS));
            long cpu = threadCpuNanos() - cpu0, wall = System.nanoTime() - wall0;
            assertTrue(wall >= 300 * MS);
            assertTrue(cpu < wall / 5, "an idle receive used " + cpu / MS + " ms of CPU in " + wall / MS + " ms");
        }
    }

    /** Nanoseconds this thread has run on a CPU (Linux schedstat). */
    static long threadCpuNanos() throws IOException {
        return Long.parseLong(Files.readString(Path.of("/proc/thread-self/schedstat")).split(" ")[0]);
    }

    @Test
    void aFrameOverTheLimitIsRefused() throws IOException {
        try (ShmTransport t = ShmTransport.create(dir, SMALL); ShmWorkerLink w = ShmWorkerLink.connect(t.endpoint())) {
            byte[] big = new byte[1025];
            assertThrows(IllegalArgumentException.class, () -> t.send(big, 0, big.length, 0));
            assertThrows(IllegalArgumentException.class, () -> w.send(big, 0, big.length, 0));
            assertNull(w.receive(0));
        }
    }

    @Test
    void theDefaultGeometryCarries64KiBFrames() throws IOException {
        Path old = Path.of(System.getProperty(SharedArray.DIR_PROPERTY, "/dev/shm"));
        try (ShmTransport t = ShmTransport.create(); ShmWorkerLink w = ShmWorkerLink.connect(t.endpoint())) {
            assertEquals(old.toAbsolutePath(), t.path().getParent().toAbsolutePath());
            assertEquals(64 * 1024, t.maxFrameBytes());
            byte[] f = ShmRingTest.frame(64 * 1024, 9);
            for (int i = 0; i < 16; i++) assertTrue(t.send(f, 0, f.length, 0), "frame " + i); // 16 x 64 KiB fill the 1 MiB ring
            assertFalse(t.send(f, 0, f.length, 0), "full");
            for (int i = 0; i < 40; i++) { // 2.5 MiB more through it
                assertArrayEquals(f, w.receive(1000 * MS));
                assertTrue(t.send(f, 0, f.length, 0), "room for one more after frame " + i);
            }
        }
    }

    @Test
    void theParentCountsAsGoneWhenItsHeartbeatStops() throws Exception {
        try (ShmTransport t = ShmTransport.create(dir, SMALL); ShmWorkerLink w = ShmWorkerLink.connect(t.endpoint())) {
            long lastBeat = 0;
            for (int i = 0; i < 5; i++) {
                Thread.sleep(100);
                // Before the beat, not after: the link's silence starts when parentAlive sees the
                // beat, and a thread preempted after that call would start this clock late.
                lastBeat = System.nanoTime();
                t.heartbeat();
                assertTrue(w.parentAlive());
            }
            while (w.parentAlive() && System.nanoTime() - lastBeat < 2 * ShmWorkerLink.HEARTBEAT_TIMEOUT_NANOS) Thread.sleep(50);
            long silent = System.nanoTime() - lastBeat;
            assertFalse(w.parentAlive(), "no heartbeat for " + silent / MS + " ms");
            assertTrue(silent >= ShmWorkerLink.HEARTBEAT_TIMEOUT_NANOS, "gone only after the timeout, not after " + silent / MS + " ms");
            t.heartbeat();
            assertTrue(w.parentAlive(), "beating again");
        }
    }

    // ---- bad files -----------------------------------------------------------------------------

    Path validRingFile() throws IOException {
        Path p = dir.resolve("valid.ring");
        RingFile.create(p, SMALL).close();
        return p;
    }

    void poke(Path p, long offset, long value, boolean wide) throws IOException {
        try (SharedArray a = SharedArray.open(p, true)) {
            var seg = a.array().segment();
            if (wide) seg.set(java.lang.foreign.ValueLayout.JAVA_LONG, offset, value);
            else seg.set(java.lang.foreign.ValueLayout.JAVA_INT, offset, (int) value);
        }
    }

    String refusal(Path p) {
        return assertThrows(RingFormatException.class, () -> ShmWorkerLink.connect("shm:" + p)).getMessage();
    }

    @Test
    void aFileWithoutTheMagicIsRefused() throws IOException {
        Path p = dir.resolve("zeros.ring");
        SharedArray.create(p, DType.I64, new long[] {4096}, false).close();
        assertTrue(refusal(p).contains("magic word is 0x0"), refusal(p));
    }

    @Test
    void anotherVersionIsRefused() throws IOException {
        Path p = validRingFile();
        int before = RingFileLayout.VERSION - 1; // a file of the version before, its owner words in the descriptors
        poke(p, RingFileLayout.VERSION_OFFSET, before, false);
        assertTrue(refusal(p).contains("version " + before + ", this build reads version " + RingFileLayout.VERSION), refusal(p));
    }

    @Test
    void sizesThatDisagreeWithTheFileAreRefused() throws IOException {
        Path p = validRingFile();
        poke(p, RingFileLayout.SLOTS_OFFSET, 1 << 20, false); // rings far past the end of the file
        assertTrue(refusal(p).contains("sizes disagree"), refusal(p));
        Path q = dir.resolve("q.ring");
        RingFile.create(q, SMALL).close();
        poke(q, RingFileLayout.SLOT_BYTES_OFFSET, 48, false);
        assertTrue(refusal(q).contains("slot bytes must be a power of two"), refusal(q));
        Path r = dir.resolve("r.ring");
        RingFile.create(r, SMALL).close();
        poke(r, RingFileLayout.SLOT_LENGTH_OFFSET, 16, false);
        assertTrue(refusal(r).contains("slot descriptors 16 bytes"), refusal(r));
        Path s = dir.resolve("s.ring");
        RingFile.create(s, SMALL).close();
        poke(s, RingFileLayout.PARENT_PID_OFFSET, -1, true);
        assertTrue(refusal(s).contains("parent pid is -1"), refusal(s));
    }

    @Test
    void aFileThatIsNotAnArrayIsRefused() throws IOException {
        Path p = dir.resolve("text.ring");
        Files.writeString(p, "not a ring at all, but long enough to look at ".repeat(40));
        assertTrue(refusal(p).contains("is not a ring file"), refusal(p));
        Path f32 = dir.resolve("f32.ring");
        SharedArray.create(f32, DType.F32, new long[] {4096}, false).close();
        assertTrue(refusal(f32).contains("no int64 vector"), refusal(f32));
        Path tiny = dir.resolve("tiny.ring");
        SharedArray.create(tiny, DType.I64, new long[] {3}, false).close();
        assertTrue(refusal(tiny).contains("shorter than a ring file header"), refusal(tiny));
    }

    @Test
    void linksMissingFilesAndOtherEndpointsAreRefused() throws IOException {
        Path real = validRingFile();
        Path link = Files.createSymbolicLink(dir.resolve("link.ring"), real);
        assertThrows(FileSystemException.class, () -> ShmWorkerLink.connect("shm:" + link));
        assertThrows(NoSuchFileException.class, () -> ShmWorkerLink.connect("shm:" + dir.resolve("missing.ring")));
        assertThrows(IllegalArgumentException.class, () -> ShmWorkerLink.connect("tcp://localhost:5555"));
        assertThrows(IllegalArgumentException.class, () -> ShmWorkerLink.connect("shm:"));
    }
}
