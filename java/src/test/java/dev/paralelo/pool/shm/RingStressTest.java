package dev.paralelo.pool.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 4 producer threads and 4 consumer threads move 10^7 frames through one ring of a ring file;
 * every frame must arrive exactly once, whole. A frame carries its producer and number, a
 * payload derived from them (most frames 8 to 48 bytes, one in 128 up to 1000 bytes, so records
 * of many slots wrap too) and a checksum of all of it. Half the consumers poll, half drain in
 * batches. A lost, repeated, torn or mixed-up frame fails the test.
 */
class RingStressTest {
    static final int PRODUCERS = 4, CONSUMERS = 4;
    static final int PER_PRODUCER = 2_500_000;

    @TempDir
    Path dir;

    /** The frame for (producer, n): header, payload, checksum; its length is in [16, 1024]. */
    static int encode(int producer, long n, ByteBuffer out) {
        long mix = (n * 0x9E3779B97F4A7C15L) ^ ((long) producer << 58);
        int payload = (mix & 127) == 0 ? (int) ((mix >>> 8) & 1023) % 1000 : 8 + (int) ((mix >>> 8) % 41);
        out.clear();
        out.putLong(((long) producer << 56) | n);
        long h = mix;
        for (int i = 0; i < payload; i++) {
            byte b = (byte) (mix >>> ((i & 7) * 8) ^ i);
            out.put(b);
            h = h * 31 + b;
        }
        out.putLong(h);
        return out.position();
    }

    /** Checks one frame; returns its (producer, n) key. */
    static long check(MemorySegment f, byte[] want, ByteBuffer scratch) {
        long key = f.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        int producer = (int) (key >>> 56);
        long n = key & ((1L << 56) - 1);
        if (producer >= PRODUCERS || n >= PER_PRODUCER) throw new AssertionError("frame with a bad key " + Long.toHexString(key));
        int len = encode(producer, n, scratch);
        if (len != f.byteSize()) throw new AssertionError("frame " + producer + "/" + n + " is " + f.byteSize() + " bytes, want " + len);
        if (MemorySegment.mismatch(f, 0, len, MemorySegment.ofArray(want), 0, len) != -1) {
            throw new AssertionError("frame " + producer + "/" + n + " is torn or mixed up");
        }
        return key;
    }

    /** Runs body; a failure is recorded for every other thread to see, and stops them. */
    static void stopAllOnFailure(AtomicReference<Throwable> failure, Runnable body) {
        try {
            body.run();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    @Test
    void tenMillionFramesFromFourProducersToFourConsumersArriveExactlyOnce() throws Exception {
        RingGeometry g = new RingGeometry(32, 4096, 4096);
        try (ShmTransport t = ShmTransport.create(dir, g)) {
            RingFile file = RingFile.open(t.path());
            ShmRing ring = file.tasks();
            AtomicLongArray seen = new AtomicLongArray(PRODUCERS * (PER_PRODUCER / 64 + 1));
            AtomicLong received = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long total = (long) PRODUCERS * PER_PRODUCER;
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + CONSUMERS);
            List<Future<?>> jobs = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                jobs.add(pool.submit(() -> stopAllOnFailure(failure, () -> {
                    ByteBuffer buf = ByteBuffer.allocate(1100).order(ByteOrder.LITTLE_ENDIAN);
                    for (long n = 0; n < PER_PRODUCER && failure.get() == null; n++) {
                        int len = encode(producer, n, buf);
                        for (int spins = 0; !ring.offer(buf.array(), 0, len) && failure.get() == null; spins++) {
                            if (spins > 20) Thread.yield();
                        }
                    }
                })));
            }
            for (int c = 0; c < CONSUMERS; c++) {
                boolean batches = c % 2 == 0;
                jobs.add(pool.submit(() -> stopAllOnFailure(failure, () -> {
                    ByteBuffer scratch = ByteBuffer.allocate(1100).order(ByteOrder.LITTLE_ENDIAN);
                    ShmRing.FrameHandler onFrame = f -> {
                        long key = check(f, scratch.array(), scratch);
                        long index = (key >>> 56) * (PER_PRODUCER / 64 + 1) + (key & ((1L << 56) - 1)) / 64;
                        long bit = 1L << (key & 63);
                        if ((seen.getAndAccumulate((int) index, bit, (a, b) -> a | b) & bit) != 0) {
                            throw new AssertionError("frame " + (key >>> 56) + "/" + (key & ((1L << 56) - 1)) + " arrived twice");
                        }
                        received.incrementAndGet();
                    };
                    int idle = 0;
                    while (received.get() < total && failure.get() == null) {
                        int got;
                        if (batches) {
                            got = ring.drain(onFrame, 64);
                        } else {
                            byte[] f = ring.poll();
                            got = f == null ? 0 : 1;
                            if (f != null) onFrame.onFrame(MemorySegment.ofArray(f));
                        }
                        if (got == 0 && ++idle > 20) Thread.yield();
                        else if (got > 0) idle = 0;
                    }
                })));
            }
            pool.shutdown();
            // A watchdog on progress, not a deadline: 8 spinning threads on a loaded 2-core
            // machine may take minutes, so only frames that stop moving (or a run past the cap)
            // fail the test.
            long last = -1, lastMoved = System.nanoTime();
            while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
                long now = System.nanoTime(), got = received.get();
                if (got != last) {
                    last = got;
                    lastMoved = now;
                }
                boolean stuck = now - lastMoved > TimeUnit.SECONDS.toNanos(60);
                if (stuck || now - t0 > TimeUnit.MINUTES.toNanos(10)) {
                    failure.compareAndSet(null, new AssertionError("stopped by the watchdog")); // the threads stop on it
                    pool.awaitTermination(10, TimeUnit.SECONDS);
                    throw new AssertionError((stuck ? "frames stopped moving for 60 s" : "not done in 10 min") + ": " + got + " of " + total
                            + " arrived");
                }
            }
            if (failure.get() != null) throw new AssertionError(failure.get());
            for (Future<?> j : jobs) j.get();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(total, received.get());
            for (int i = 0; i < seen.length(); i++) {
                int producer = i / (PER_PRODUCER / 64 + 1);
                long first = (long) (i % (PER_PRODUCER / 64 + 1)) * 64;
                long want = first + 64 <= PER_PRODUCER ? -1L : first >= PER_PRODUCER ? 0 : (1L << (PER_PRODUCER - first)) - 1;
                assertEquals(want, seen.get(i), "frames " + producer + "/" + first + ".. (a missing frame)");
            }
            assertTrue(ring.poll() == null, "nothing left over");
            file.close();
            System.out.printf("ring stress: %d frames in %d ms (%.1f M frames/s)%n", total, ms, total / 1e3 / Math.max(ms, 1));
        }
    }
}
