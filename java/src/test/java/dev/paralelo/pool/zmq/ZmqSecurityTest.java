package dev.paralelo.pool.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.F64Array;
import dev.paralelo.Kernels;
import dev.paralelo.pool.Frames;
import dev.paralelo.pool.Hello;
import dev.paralelo.pool.Result;
import dev.paralelo.pool.WireFormat;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.shm.SharedArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * CURVE and the checks on what workers send: plain text refused off loopback, keys on disk, an
 * allow list that refuses unknown keys, a plain-text client refused by a CURVE pool, and bad
 * frames dropped with one warning each while the pool goes on.
 */
class ZmqSecurityTest extends WorkerProcesses {
    Path keys(String name) throws Exception {
        return CurveKeys.write(CurveKeys.generate(), dir.resolve("keys-" + name), name);
    }

    static Path pub(Path secret) {
        String n = secret.getFileName().toString();
        return secret.resolveSibling(n.substring(0, n.length() - CurveKeys.SECRET_SUFFIX.length()) + CurveKeys.PUBLIC_SUFFIX);
    }

    @Test
    void plainTextOffLoopbackIsRefusedUnlessInsecure() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ZmqTransport.listen("tcp://*:0", 65536, Map.of()));
        assertTrue(e.getMessage().contains("--insecure"), e.getMessage());
        // a worker checks before it opens any socket: no packet leaves for that address
        assertThrows(IllegalArgumentException.class, () -> ZmqSecurity.forConnect("tcp://192.0.2.7:5555", Map.of()));
        assertEquals(ZmqSecurity.PLAIN, ZmqSecurity.forConnect("tcp://192.0.2.7:5555", Map.of("insecure", "true")));
        assertEquals(ZmqSecurity.PLAIN, ZmqSecurity.forConnect("tcp://127.0.0.1:5555", Map.of()));
        assertEquals(ZmqSecurity.PLAIN, ZmqSecurity.forConnect("tcp://localhost:5555", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ZmqSecurity.forListen("tcp://*:0", Map.of("key", "x")), "a key without an allow list");
        assertThrows(IllegalArgumentException.class, () -> ZmqSecurity.forListen("tcp://*:0", Map.of("colour", "red")));
        try (ZmqTransport t = ZmqTransport.listen("tcp://*:0", 65536, Map.of("insecure", "true"))) {
            assertTrue(t.endpoint().startsWith("tcp://"), t.endpoint());
        }
    }

    @Test
    void aKeyPairIsWrittenWithASecretOnlyItsOwnerReads() throws Exception {
        Path secret = keys("w");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(pub(secret))));
        CurveKeys.KeyPair p = CurveKeys.readPair(secret);
        assertEquals(p.publicKey(), CurveKeys.readPublic(pub(secret)).publicKey());
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> CurveKeys.write(CurveKeys.generate(), secret.getParent(), "w"));
        // A folder that is a file or a dangling link, and a name with a newline, are each refused saying so; nothing is written.
        Path file = Files.writeString(dir.resolve("plain"), "x"), dangling = Files.createSymbolicLink(dir.resolve("gone"), dir.resolve("nothing"));
        java.nio.file.FileSystemException notDir = assertThrows(java.nio.file.FileSystemException.class,
                () -> CurveKeys.write(CurveKeys.generate(), file, "k"));
        assertTrue(notDir.getReason().startsWith("not a folder"), notDir.getMessage());
        notDir = assertThrows(java.nio.file.FileSystemException.class, () -> CurveKeys.write(CurveKeys.generate(), dangling, "k"));
        assertTrue(notDir.getReason().startsWith("a symbolic link to no folder"), notDir.getMessage());
        IllegalArgumentException badName = assertThrows(IllegalArgumentException.class,
                () -> CurveKeys.write(CurveKeys.generate(), secret.getParent(), "a\nb"));
        assertTrue(!badName.getMessage().contains("\n") && badName.getMessage().contains("control characters"), badName.getMessage());
        assertEquals("x", Files.readString(file));
        assertTrue(!Files.exists(dir.resolve("nothing")));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CurveKeys.readPair(secret));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }

    /**
     * A key "file" that is a FIFO, a link to /dev/zero, a directory or binary is refused at once
     * and named: a FIFO once blocked the read, and with it a listening pool that SIGTERM could not
     * stop; /dev/zero reports size 0 and filled the heap.
     */
    @Test
    void onlySmallRegularAsciiFilesAreReadAsKeys() throws Exception {
        Path fifo = dir.resolve("fifo.key");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path zero = Files.createSymbolicLink(dir.resolve("zero.key"), Path.of("/dev/zero"));
        Path folder = Files.createDirectory(dir.resolve("folder.key"));
        Path binary = Files.write(dir.resolve("bin.key"), new byte[] {'p', 'u', 'b', (byte) 0xC3, (byte) 0xA9, '\n'});
        for (Path bad : List.of(fifo, zero, folder, binary)) {
            IllegalArgumentException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                    () -> assertThrows(IllegalArgumentException.class, () -> CurveKeys.readPublic(bad)));
            assertTrue(e.getMessage().startsWith(bad.toString() + ": not a key file"), e.getMessage());
        }
        List<String> problems = new java.util.ArrayList<>();
        Files.copy(pub(keys("ok")), dir.resolve("ok.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(1, assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> CurveKeys.allowed(dir, problems)).size(),
                "only the good key is allowed; " + problems);
        assertEquals(4, problems.size(), problems.toString());
    }

    @Test
    void onlyWorkersInTheAllowListJoinACurvePool() throws Exception {
        Path pool = keys("pool"), good = keys("good"), bad = keys("bad"), allow = Files.createDirectory(dir.resolve("allow"));
        Files.copy(pub(good), allow.resolve("good.key"));
        try (Peers.Warnings w = new Peers.Warnings();
                WorkerPool p = WorkerPool.builder().workers(0)
                        .listen("tcp://127.0.0.1:0", Map.of("key", pool.toString(), "allow", allow.toString())).start();
                SharedArray a = ZmqPoolTest.ramp(dir, "x", 500_000)) {
            Process refused = attach(p.listenEndpoint(), "--key", bad.toString(), "--server-key", pub(pool).toString());
            attach(p.listenEndpoint(), "--key", good.toString(), "--server-key", pub(pool).toString());
            assertTrue(Peers.await(() -> p.liveWorkers() == 1, 30), "the allowed worker joined");
            assertEquals(bits(Kernels.defaults().sum(a.array(F64Array.class))), bits(p.sum(a)), "the pool goes on");
            assertTrue(refused.waitFor(30, TimeUnit.SECONDS), "the refused worker gave up");
            assertEquals(3, refused.exitValue());
            assertEquals(1, p.liveWorkers());
            assertEquals(1, w.count("refused a worker"), w.lines.toString());
            assertEquals(bits(Kernels.defaults().sum(a.array(F64Array.class))), bits(p.sum(a)), "and goes on");
        }
    }

    @Test
    void aPlainTextClientIsRefusedByACurvePool() throws Exception {
        Path pool = keys("pool"), good = keys("good"), allow = Files.createDirectory(dir.resolve("allow"));
        Files.copy(pub(good), allow.resolve("good.key"));
        try (WorkerPool p = WorkerPool.builder().workers(0)
                        .listen("tcp://127.0.0.1:0", Map.of("key", pool.toString(), "allow", allow.toString())).start();
                ZContext c = new ZContext(1); SharedArray a = ZmqPoolTest.ramp(dir, "x", 300_000)) {
            ZMQ.Socket plain = c.createSocket(SocketType.DEALER);
            plain.setLinger(0);
            plain.setReceiveTimeOut(500);
            plain.connect(p.listenEndpoint());
            plain.send(Frames.encodeHello(new Hello(0, 1, 12345)));
            attach(p.listenEndpoint(), "--key", good.toString(), "--server-key", pub(pool).toString());
            assertTrue(Peers.await(() -> p.liveWorkers() == 1, 30), "the CURVE worker joined");
            assertEquals(bits(Kernels.defaults().sum(a.array(F64Array.class))), bits(p.sum(a)));
            assertNull(plain.recv(), "the plain client got nothing: no task, no heartbeat");
            assertEquals(1, p.liveWorkers(), "and is no worker");
        }
    }

    /**
     * A raw DEALER whose connection is proven: a probe frame of garbage got its warning. JeroMQ's
     * connecting side misses the greeting on about 1 connection in 50 (ZmqWorkerLink dials again
     * for the same reason), so a connection that stays silent is replaced.
     */
    static ZMQ.Socket rawConnection(ZContext c, String endpoint, Peers.Warnings w) throws InterruptedException {
        for (int attempt = 0; attempt < 10; attempt++) {
            ZMQ.Socket raw = c.createSocket(SocketType.DEALER);
            raw.setLinger(0);
            raw.connect(endpoint);
            long before = w.count("wrong magic");
            raw.send(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24});
            if (Peers.await(() -> w.count("wrong magic") > before, 3)) return raw;
            raw.close();
        }
        throw new AssertionError("no raw connection to " + endpoint + " got through in 10 tries");
    }

    /** A valid RESULTS frame for job 7 with one OK result. */
    static byte[] results() {
        return Frames.encodeResults(7, List.of(new Result(0, WireFormat.STATUS_OK, new byte[24])));
    }

    @Test
    void badFramesAreDroppedWithOneWarningEachAndThePoolGoesOn() throws Exception {
        try (Peers.Warnings w = new Peers.Warnings();
                WorkerPool p = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).start();
                ZContext c = new ZContext(1); SharedArray a = ZmqPoolTest.ramp(dir, "x", 300_000)) {
            w.quiet();
            attach(p.listenEndpoint());
            ZMQ.Socket raw = rawConnection(c, p.listenEndpoint(), w);
            assertTrue(Peers.await(() -> p.liveWorkers() == 1, 30), "the worker attached");
            // A worker that answered a job has heard the pool and never dials again; a first
            // connection it dialed again from (the pool silent for 2 s on a loaded machine) is a
            // dead worker the pool drops, and counted before the frames under test.
            p.sum(a);
            assertTrue(Peers.await(() -> p.liveWorkers() == 1, 30), "one worker, " + w.lines);
            long droppedBefore = w.count("dropped worker");
            byte[] truncated = Arrays.copyOf(results(), results().length - 5);
            byte[] oversized = new byte[ZmqTransport.DEFAULT_MAX_FRAME_BYTES + 8];
            System.arraycopy(results(), 0, oversized, 0, WireFormat.HEADER_LENGTH);
            ByteBuffer.wrap(oversized).order(ByteOrder.LITTLE_ENDIAN).putInt(WireFormat.LENGTH_OFFSET, oversized.length);
            byte[] garbage = new byte[100];
            new SplittableRandom(1).nextBytes(garbage);
            byte[] version2 = results();
            ByteBuffer.wrap(version2).order(ByteOrder.LITTLE_ENDIAN).putShort(WireFormat.VERSION_OFFSET, (short) 2);
            String[][] cases = {{"truncated", "length field"}, {"oversized", "more than the frame limit"}, {"garbage", "wrong magic"},
                    {"version 2", "version 2"}};
            byte[][] frames = {truncated, oversized, garbage, version2};
            double want = Kernels.defaults().sum(a.array(F64Array.class));
            // Only the warnings about the raw connection count: the logger is the JVM's, and a pool
            // another test left behind must not decide this one (every line is in the messages).
            String fromRaw = "dropped a message from connection ";
            for (int i = 0; i < frames.length; i++) {
                String what = cases[i][0], says = cases[i][1];
                long before = w.count(fromRaw);
                raw.send(frames[i]);
                assertTrue(Peers.await(() -> w.count(fromRaw) > before, 10), what + ": a warning, " + w.lines);
                assertEquals(bits(want), bits(p.sum(a)), what + ": the pool keeps serving, " + w.lines);
                assertEquals(before + 1, w.count(fromRaw), what + ": one warning, " + w.lines);
                assertEquals(says.equals("wrong magic") ? 2 : 1, w.count(says), what + ": " + w.lines); // the probe said it once
            }
            assertEquals(1, p.liveWorkers(), w.lines.toString());
            assertEquals(droppedBefore, w.count("dropped worker"), w.lines.toString());
        }
    }
}
