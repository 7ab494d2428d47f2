package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The core budget: a call takes what it wants when alone, and its share of the cores when others call too. */
class CoreBudgetTest {
    @Test
    void aloneACallTakesWhatItWants() {
        CoreBudget b = new CoreBudget(16);
        assertEquals(16, b.acquire(16));
        b.release(16);
        assertEquals(5, b.acquire(5));
        b.release(5);
        assertEquals(16, b.acquire(64), "never more than the budget");
        b.release(16);
    }

    @Test
    void callersInACallShareTheCores() {
        CoreBudget b = new CoreBudget(16);
        int first = b.acquire(4);   // alone: all it asks for
        int second = b.acquire(16); // two callers: at most 16 / 2
        int third = b.acquire(16);  // three: at most 16 / 3, and only 4 are free
        assertEquals(List.of(4, 8, 4), List.of(first, second, third));
        b.release(third);
        b.release(second);
        b.release(first);
        assertEquals(16, b.acquire(16), "alone again: the shares are gone with the callers");
        b.release(16);
    }

    /** A caller whose share is one thread runs on its own thread: no permit, and no wait even when none is free. */
    @Test
    void aShareOfOneThreadTakesNoPermitAndNeverWaits() {
        CoreBudget b = new CoreBudget(2);
        int first = b.acquire(2);  // alone: both cores
        int second = b.acquire(2); // two callers on 2 cores: one thread each, and none is free
        assertEquals(List.of(2, 0), List.of(first, second));
        b.release(second);
        b.release(first);
        assertEquals(2, b.acquire(2), "alone again: the whole budget");
        b.release(2);
        CoreBudget sixteen = new CoreBudget(16);
        List<Integer> got = new ArrayList<>();
        for (int c = 0; c < 9; c++) got.add(sixteen.acquire(2)); // 8 callers take all 16; the ninth's share is 16 / 9 = 1
        assertEquals(List.of(2, 2, 2, 2, 2, 2, 2, 2, 0), got);
        for (int g : got) sixteen.release(g);
        assertEquals(16, sixteen.acquire(16), "every permit and caller given back");
        sixteen.release(16);
    }

    /** The share is taken when the first permit is: a caller that waited behind another and then runs alone gets everything. */
    @Test
    void aCallerThatWaitedAndRunsAloneTakesTheWholeBudget() throws Exception {
        CoreBudget b = new CoreBudget(16);
        int first = b.acquire(16);
        int[] got = new int[1];
        Thread waiter = Thread.ofPlatform().start(() -> got[0] = b.acquire(16));
        for (long end = System.nanoTime() + 10_000_000_000L; waiter.getState() != Thread.State.WAITING; Thread.sleep(1)) {
            assertTrue(System.nanoTime() < end, "the second caller never waited");
        }
        b.release(first);
        waiter.join(10_000);
        assertEquals(16, got[0]);
        b.release(got[0]);
    }

    /** 8 threads calling at once on 16 permits: every call gets its share, and never more than the budget is out. */
    @Test
    void concurrentCallersNeverOverdrawAndAllRun() throws Exception {
        CoreBudget b = new CoreBudget(16);
        AtomicInteger out = new AtomicInteger(), worst = new AtomicInteger(), calls = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(8);
        CountDownLatch done = new CountDownLatch(8);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 2000; i++) {
                        int got = b.acquire(16);
                        int now = out.addAndGet(got);
                        worst.accumulateAndGet(now, Math::max);
                        assertTrue(got >= 1 && got <= 16, "got " + got);
                        out.addAndGet(-got);
                        b.release(got);
                        calls.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                } finally {
                    done.countDown();
                }
            }));
        }
        assertTrue(done.await(60, TimeUnit.SECONDS), "callers stuck");
        for (Thread t : threads) t.join();
        assertEquals(16000, calls.get());
        assertTrue(worst.get() <= 16, "permits out at once: " + worst.get());
        assertEquals(16, b.acquire(16), "every permit and caller given back");
        b.release(16);
    }
}
