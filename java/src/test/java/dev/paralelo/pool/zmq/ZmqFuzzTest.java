package dev.paralelo.pool.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.F64Array;
import dev.paralelo.pool.ArrayRef;
import dev.paralelo.pool.Frames;
import dev.paralelo.pool.Hello;
import dev.paralelo.pool.Result;
import dev.paralelo.pool.Task;
import dev.paralelo.pool.WireFormat;
import dev.paralelo.pool.WorkerPool;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A listening pool under random messages for {@code -Dparalelo.fuzzSeconds} seconds (default
 * 60): raw clients (some of which said hello) send random bytes, damaged frames (flipped, cut,
 * grown, wrong version), multi-part messages and oversized ones, and raw TCP connections send
 * bytes that are not ZeroMQ at all. Meanwhile a real worker serves sums. Every sum must have the
 * in-process bits, the pool must never fail, and the clients' frames must have been seen (and
 * dropped) by the transport.
 */
class ZmqFuzzTest {
    @TempDir
    Path dir;

    @Test
    void randomMessagesNeverStopThePool() throws Exception {
        long seconds = Long.getLong("paralelo.fuzzSeconds", 60);
        long seed = Long.getLong("paralelo.fuzzSeed", System.nanoTime());
        SplittableRandom r = new SplittableRandom(seed);
        Process worker = null;
        AtomicLong sent = new AtomicLong(), raw = new AtomicLong();
        Peers.Warnings w = new Peers.Warnings();
        try (w; WorkerPool pool = WorkerPool.builder().workers(0).listen("tcp://127.0.0.1:0", Map.of()).lease(Duration.ofMillis(500)).start();
                ZContext c = new ZContext(1); SharedArray a = ZmqPoolTest.ramp(dir, "x", 400_000)) {
            w.quiet();
            String ep = pool.listenEndpoint();
            int port = Integer.parseInt(ep.substring(ep.lastIndexOf(':') + 1));
            worker = Peers.worker(ep, dir.resolve("worker.log"));
            double want = dev.paralelo.Kernels.defaults().sum(a.array(F64Array.class));
            List<byte[]> seeds = seeds(a);
            assertTrue(Peers.await(() -> pool.liveWorkers() == 1, 60), "the worker attached: " + Peers.text(dir.resolve("worker.log")));
            assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(pool.sum(a)), "before the fuzz");
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            // The fuzzing runs in its own thread (which owns the client sockets) while this one sums.
            CompletableFuture<Void> fuzz = CompletableFuture.runAsync(() -> {
                List<ZMQ.Socket> clients = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    ZMQ.Socket s = c.createSocket(SocketType.DEALER);
                    s.setLinger(0);
                    s.setSndHWM(1000); // a pool that lags behind refuses sends here, rather than queueing gigabytes
                    s.connect(ep);
                    if (i % 2 == 0) s.send(Frames.encodeHello(new Hello(i, 1, 1000 + i))); // takes tasks, answers none
                    clients.add(s);
                }
                while (System.nanoTime() < end) {
                    for (int i = 0; i < 100; i++) {
                        ZMQ.Socket s = clients.get(r.nextInt(clients.size()));
                        // only messages the socket took count: the pool is to see a quarter of them
                        boolean more = r.nextInt(50) == 0;
                        if (more && !s.send(damage(seeds.get(r.nextInt(seeds.size())), r), ZMQ.SNDMORE | ZMQ.DONTWAIT)) continue;
                        if (s.send(damage(seeds.get(r.nextInt(seeds.size())), r), ZMQ.DONTWAIT) || more) sent.incrementAndGet();
                    }
                    if (r.nextInt(20) == 0) { // bytes that are not ZMTP: the connection is closed by ZeroMQ
                        try (Socket tcp = new Socket("127.0.0.1", port)) {
                            byte[] junk = new byte[r.nextInt(1, 300)];
                            r.nextBytes(junk);
                            OutputStream o = tcp.getOutputStream();
                            o.write(junk);
                            o.flush();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        raw.incrementAndGet();
                    }
                    LockSupport.parkNanos(1_000_000L);
                }
            });
            long sums = 0;
            while (System.nanoTime() < end) {
                if (fuzz.isCompletedExceptionally()) fuzz.join(); // the fuzzer's own failure, at once
                assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(pool.sum(a)), "sum under fuzz (seed " + seed + ")");
                sums++;
            }
            fuzz.get(60, TimeUnit.SECONDS);
            String counts = sums + " sums, " + sent + " messages, " + raw + " raw connections (seed " + seed + ")";
            assertTrue(worker.isAlive(), "the real worker is still there: " + Peers.text(dir.resolve("worker.log")));
            assertTrue(sums >= seconds / 5 && sent.get() > 1000 * seconds && raw.get() > 0, counts);
        } finally {
            if (worker != null) {
                worker.destroyForcibly();
                worker.waitFor(10, TimeUnit.SECONDS);
            }
        }
        // The pool has closed, so its last count of drops is written. The drops are seen, but the
        // log holds at most 20 of them one by one per minute (the rest are counted).
        long each = w.count("dropped a message"), counted = 0;
        for (String l : w.lines) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^dropped (\\d+) more messages in the last").matcher(l);
            if (m.find()) counted += Long.parseLong(m.group(1));
        }
        String counts = each + " warnings and " + counted + " counted drops for " + sent + " messages";
        assertTrue(each + counted > sent.get() / 4, counts);
        assertTrue(each <= (long) DropWarnings.PER_WINDOW * (seconds / 60 + 2), counts);
    }

    /**
     * Valid frames of each type, with job ids the pool never uses: every byte of them is non-zero,
     * so that no few flipped bytes can make one of the pool's small job numbers.
     */
    static List<byte[]> seeds(SharedArray a) {
        ArrayRef x = new ArrayRef(a.path().toString(), dev.paralelo.DType.F64, a.array().length());
        Task t = new Task(0, WireFormat.KIND_PARTIAL, 0, 0, false, 0, WireFormat.NO_ARRAY, WireFormat.NO_ARRAY, 0, 4096, 0, 0);
        return List.of(Frames.encodeHello(new Hello(3, 1, 77)),
                Frames.encodeResults(0x5A5A_5A5A_5A5A_5A5AL, List.of(new Result(0, WireFormat.STATUS_OK, new byte[600]))),
                Frames.encodeResults(0x6B6B_6B6B_6B6B_6B6BL, List.of(Result.error(1, WireFormat.STATUS_KERNEL, "no"))),
                Frames.encodeTasks(0x7C7C_7C7C_7C7C_7C7CL, List.of(x), List.of(t)), new byte[0]);
    }

    static byte[] damage(byte[] in, SplittableRandom r) {
        byte[] b = in.clone();
        switch (r.nextInt(7)) {
            case 0 -> { // flip bytes
                for (int k = r.nextInt(1, 4); k > 0 && b.length > 0; k--) b[r.nextInt(b.length)] ^= (byte) r.nextInt(1, 256);
            }
            case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1)); // cut
            case 2 -> b = java.util.Arrays.copyOf(b, b.length + r.nextInt(1, 64)); // grown
            case 3 -> { // another version
                if (b.length >= WireFormat.HEADER_LENGTH) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(WireFormat.VERSION_OFFSET, (short) r.nextInt(2, 9));
            }
            case 4 -> { // random bytes
                b = new byte[r.nextInt(0, 200)];
                r.nextBytes(b);
            }
            case 5 -> b = new byte[ZmqTransport.DEFAULT_MAX_FRAME_BYTES + r.nextInt(1, 4096)]; // oversized
            default -> { } // as it is
        }
        return b;
    }
}
