package dev.paralelo.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.DType;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Barrier edge cases, between this JVM and the C peer (pl_barrier_wait): timeouts that would
 * overflow a deadline, a broken barrier staying broken in every process, corrupt party counts.
 */
class BarrierHardeningTest {
    @TempDir
    Path dir;

    private static final String FOREVER = Long.toString(Long.MAX_VALUE);

    private SharedArray barrierFile(long parties) throws Exception {
        SharedArray a = SharedArray.create(dir.resolve("b.npy"), DType.I64, new long[] {BarrierLayout.LENGTH / 8}, false);
        SharedBarrier.init(a.array().segment(), parties);
        return a;
    }

    @Test
    void aJavaWaitOfLongMaxValueNanosWaitsForTheOtherParty() throws Exception {
        try (SharedArray a = barrierFile(2)) {
            SharedBarrier b = SharedBarrier.attach(a.array().segment());
            CompletableFuture<String> java = CompletableFuture.supplyAsync(() -> {
                try {
                    b.await(Duration.ofNanos(Long.MAX_VALUE));
                    return "passed";
                } catch (Exception e) {
                    return e.toString();
                }
            });
            Thread.sleep(300);
            assertTrue(!java.isDone(), "still waiting after 300 ms, not timed out: " + (java.isDone() ? java.join() : ""));
            Process c = Peers.c("wait", a.path().toString(), "5000000000");
            assertEquals("ready", Peers.readLine(c));
            assertEquals("0", Peers.finish(c), "the C party passed");
            assertEquals("passed", java.get(10, TimeUnit.SECONDS));
            CompletableFuture<String> huge = CompletableFuture.supplyAsync(() -> {
                try {
                    b.await(Duration.ofDays(365L * 1_000_000)); // toNanos() overflows: saturate, do not throw
                    return "passed";
                } catch (Exception e) {
                    return e.toString();
                }
            });
            Thread.sleep(200);
            assertTrue(!huge.isDone(), "a Duration past Long.MAX_VALUE nanoseconds waits: " + (huge.isDone() ? huge.join() : ""));
            Process c2 = Peers.c("wait", a.path().toString(), "5000000000");
            assertEquals("0", Peers.finish(c2).lines().reduce((x, y) -> y).orElseThrow());
            assertEquals("passed", huge.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aCWaitOfInt64MaxWaitsForTheOtherParty() throws Exception {
        try (SharedArray a = barrierFile(2)) {
            Process c = Peers.c("wait", a.path().toString(), FOREVER);
            assertEquals("ready", Peers.readLine(c));
            Thread.sleep(300);
            assertTrue(c.isAlive(), "pl_barrier_wait(b, INT64_MAX) still waits after 300 ms (it returned "
                    + (c.isAlive() ? "" : new String(c.getInputStream().readAllBytes())) + ")");
            SharedBarrier.attach(a.array().segment()).await(Duration.ofSeconds(10));
            assertEquals("0", Peers.finish(c));
        }
    }

    @Test
    void aLonePartyRetryingAfterItsTimeoutDoesNotPassAlone() throws Exception {
        try (SharedArray a = barrierFile(2)) {
            // The C party times out first, then tries again: before the fix its second arrival
            // made the count 2 and it passed a two-party barrier alone.
            assertEquals("-6", Peers.finish(Peers.c("wait", a.path().toString(), "20000000")).lines().reduce((x, y) -> y).orElseThrow());
            assertEquals("-6", Peers.finish(Peers.c("wait", a.path().toString(), "20000000")).lines().reduce((x, y) -> y).orElseThrow(),
                    "the retry fails: the barrier is broken");
            SharedBarrier b = SharedBarrier.attach(a.array().segment());
            assertTrue(b.isBroken());
            assertThrows(BrokenBarrierException.class, () -> b.await(Duration.ofSeconds(5)), "Java sees it broken too");
        }
    }

    @Test
    void aJavaTimeoutBreaksTheBarrierForTheCParty() throws Exception {
        try (SharedArray a = barrierFile(3)) {
            SharedBarrier b = SharedBarrier.attach(a.array().segment());
            Process c = Peers.c("wait", a.path().toString(), "20000000000");
            assertEquals("ready", Peers.readLine(c));
            assertThrows(TimeoutException.class, () -> b.await(Duration.ofMillis(100)));
            assertEquals("-6", Peers.finish(c), "the waiting C party is released with an error, not left waiting");
            assertThrows(BrokenBarrierException.class, () -> b.await(Duration.ofSeconds(1)));
        }
    }

    @Test
    void aBarrierWithNoPartiesIsRejectedOnOpen() throws Exception {
        for (long parties : new long[] {0, -1, Long.MIN_VALUE}) {
            try (SharedArray a = barrierFile(2)) {
                a.array().segment().set(ValueLayout.JAVA_LONG, BarrierLayout.PARTIES_OFFSET, parties);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharedBarrier.attach(a.array().segment()));
                assertTrue(e.getMessage().contains("parties"), e.getMessage());
                assertEquals("-7", Peers.finish(Peers.c("wait", a.path().toString(), "1000000")).lines().reduce((x, y) -> y).orElseThrow(),
                        "C: PL_E_LAYOUT for " + parties + " parties");
            } finally {
                java.nio.file.Files.deleteIfExists(dir.resolve("b.npy"));
            }
        }
    }

    /** A count of arrivals written over (already at the party count, or negative): refused in Java and in C, not an endless wait. */
    @Test
    void aCountOfArrivalsWrittenOverIsRefusedNotWaitedOnForEver() throws Exception {
        for (long arrived : new long[] {2, -3}) {
            try (SharedArray a = barrierFile(2)) {
                a.array().segment().set(ValueLayout.JAVA_LONG, BarrierLayout.ARRIVED_OFFSET, arrived);
                SharedBarrier b = SharedBarrier.attach(a.array().segment());
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.await(Duration.ofNanos(Long.MAX_VALUE)));
                assertTrue(e.getMessage().contains("arrived parties reads " + (arrived + 1)), e.getMessage());
                a.array().segment().set(ValueLayout.JAVA_LONG, BarrierLayout.ARRIVED_OFFSET, arrived);
                assertEquals("-7", Peers.finish(Peers.c("wait", a.path().toString(), FOREVER)).lines().reduce((x, y) -> y).orElseThrow(),
                        "C: PL_E_LAYOUT for " + arrived + " arrived");
            } finally {
                java.nio.file.Files.deleteIfExists(dir.resolve("b.npy"));
            }
        }
    }
}
