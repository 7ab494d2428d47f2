package dev.paralelo.pool.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
 * The parent's sole ends under load, in a real ring file: its task ring's sole producer feeding 4
 * consumers that claim as workers do, and 4 producers that claim as workers do feeding its result
 * ring's sole consumer. 4 * 10^6 frames each way (the frames of {@link RingStressTest}: most 8 to
 * 48 bytes, some up to 1000, wrapping); every frame must arrive exactly once, whole.
 */
class SoleEndsStressTest {
    static final int PER_PRODUCER = 1_000_000;

    @TempDir
    Path dir;

    /** Moves the frames of producers 0..3 (n < PER_PRODUCER each) through the rings given, checking each. */
    private static void run(ShmRing[] producerEnds, int framesPerEnd, ShmRing[] consumerEnds) throws Exception {
        int producers = RingStressTest.PRODUCERS;
        AtomicLongArray seen = new AtomicLongArray(producers * (RingStressTest.PER_PRODUCER / 64 + 1));
        AtomicLong received = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long total = (long) producers * PER_PRODUCER;
        ExecutorService pool = Executors.newFixedThreadPool(producerEnds.length + consumerEnds.length);
        List<Future<?>> jobs = new ArrayList<>();
        for (int e = 0; e < producerEnds.length; e++) {
            ShmRing ring = producerEnds[e];
            int first = e * framesPerEnd;
            jobs.add(pool.submit(() -> RingStressTest.stopAllOnFailure(failure, () -> {
                ByteBuffer buf = ByteBuffer.allocate(1100).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = first; i < first + framesPerEnd && failure.get() == null; i++) {
                    int len = RingStressTest.encode(i % producers, i / producers, buf);
                    for (int spins = 0; !ring.offer(buf.array(), 0, len) && failure.get() == null; spins++) {
                        if (spins > 20) Thread.yield();
                    }
                }
            })));
        }
        for (int c = 0; c < consumerEnds.length; c++) {
            ShmRing ring = consumerEnds[c];
            jobs.add(pool.submit(() -> RingStressTest.stopAllOnFailure(failure, () -> {
                ByteBuffer scratch = ByteBuffer.allocate(1100).order(ByteOrder.LITTLE_ENDIAN);
                ShmRing.FrameHandler onFrame = f -> {
                    long key = RingStressTest.check(f, scratch.array(), scratch);
                    long index = (key >>> 56) * (RingStressTest.PER_PRODUCER / 64 + 1) + (key & ((1L << 56) - 1)) / 64;
                    long bit = 1L << (key & 63);
                    if ((seen.getAndAccumulate((int) index, bit, (a, b) -> a | b) & bit) != 0) {
                        throw new AssertionError("frame " + (key >>> 56) + "/" + (key & ((1L << 56) - 1)) + " arrived twice");
                    }
                    received.incrementAndGet();
                };
                for (long round = 0; received.get() < total && failure.get() == null; round++) {
                    int n;
                    if (round % 2 == 0) { // drains and polls, alternately
                        n = ring.drain(onFrame, 64);
                    } else {
                        byte[] f = ring.poll();
                        n = f == null ? 0 : 1;
                        if (f != null) onFrame.onFrame(java.lang.foreign.MemorySegment.ofArray(f));
                    }
                    if (n == 0) Thread.onSpinWait();
                }
            })));
        }
        pool.shutdown();
        if (!pool.awaitTermination(300, TimeUnit.SECONDS)) {
            pool.shutdownNow();
            throw new AssertionError("frames stopped moving: " + received.get() + " of " + total);
        }
        if (failure.get() != null) throw new AssertionError(failure.get());
        for (Future<?> j : jobs) j.get();
        assertEquals(total, received.get(), "every frame arrived");
        for (ShmRing r : consumerEnds) assertNull(r.poll(), "and nothing more");
    }

    @Test
    void theParentsSoleProducerFeedsFourClaimingConsumers() throws Exception {
        try (ShmTransport t = ShmTransport.create(dir, new RingGeometry(32, 4096, 4096))) {
            RingFile parent = t.ringFile();
            ShmRing[] consumers = new ShmRing[4];
            for (int c = 0; c < 4; c++) consumers[c] = RingFile.open(t.path()).tasks();
            run(new ShmRing[] {parent.tasks()}, 4 * PER_PRODUCER, consumers);
        }
    }

    @Test
    void fourClaimingProducersFeedTheParentsSoleConsumer() throws Exception {
        try (ShmTransport t = ShmTransport.create(dir, new RingGeometry(32, 4096, 4096))) {
            RingFile parent = t.ringFile();
            ShmRing[] producers = new ShmRing[4];
            for (int p = 0; p < 4; p++) producers[p] = RingFile.open(t.path()).results();
            run(producers, PER_PRODUCER, new ShmRing[] {parent.results()});
        }
    }
}
