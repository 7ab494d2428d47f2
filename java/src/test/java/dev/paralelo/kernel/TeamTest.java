package dev.paralelo.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pure-Java kernels' team: every part once per call, on distinct threads, failures rethrown,
 * a held team refused. A lost wake-up would leave a call waiting: each test has a time limit.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TeamTest {
    /** Four threads whatever the machine has: the workers then also share cores with each other. */
    private final Team team = new Team(4);

    @Test
    void everyPartRunsOncePerCallWhateverItsCount() throws Exception {
        for (int call = 0; call < 20_000; call++) {
            int n = 2 + call % 3;
            AtomicIntegerArray ran = new AtomicIntegerArray(4);
            Thread[] on = new Thread[4];
            assertTrue(team.tryRun(n, id -> {
                ran.incrementAndGet(id);
                on[id] = Thread.currentThread();
            }));
            for (int id = 0; id < 4; id++) assertEquals(id < n ? 1 : 0, ran.get(id), "call " + call + ", part " + id);
            assertSame(Thread.currentThread(), on[0], "part 0 runs on the caller");
            for (int id = 1; id < n; id++) {
                assertTrue(on[id] != Thread.currentThread() && on[id].getName().startsWith("paralelo-kernel-team-"), "part " + id);
                for (int other = 1; other < id; other++) assertTrue(on[id] != on[other]);
            }
        }
    }

    @Test
    void partsWrittenOnWorkersAreSeenByTheCaller() {
        long[] out = new long[4 * 64];
        for (int call = 1; call <= 5_000; call++) {
            long c = call;
            assertTrue(team.tryRun(4, id -> {
                for (int i = 0; i < 64; i++) out[id * 64 + i] = c * 1000 + id;
            }));
            for (int id = 0; id < 4; id++) assertEquals(c * 1000 + id, out[id * 64 + 63]);
        }
    }

    @Test
    void aParkedTeamWakes() throws Exception {
        for (int round = 0; round < 5; round++) {
            Thread.sleep(50 + Team.SPIN_NANOS / 1_000_000); // well past the spin: the workers park
            AtomicLong sum = new AtomicLong();
            assertTrue(team.tryRun(4, id -> sum.addAndGet(id + 1)));
            assertEquals(10, sum.get());
        }
    }

    @Test
    void aFailingPartIsRethrownAsItselfAndTheTeamGoesOn() {
        IllegalStateException ise = assertThrows(IllegalStateException.class, () -> team.tryRun(3, id -> {
            if (id == 2) throw new IllegalStateException("part 2");
        }));
        assertEquals("part 2", ise.getMessage());
        InternalError ie = assertThrows(InternalError.class, () -> team.tryRun(2, id -> {
            if (id == 1) throw new InternalError("a fault");
        }));
        assertEquals("a fault", ie.getMessage());
        AtomicIntegerArray ran = new AtomicIntegerArray(3);
        assertThrows(ArithmeticException.class, () -> team.tryRun(3, id -> {
            ran.incrementAndGet(id);
            if (id == 0) throw new ArithmeticException("the caller's part");
        }));
        for (int id = 0; id < 3; id++) assertEquals(1, ran.get(id), "every part ran although part 0 threw");
        AtomicLong sum = new AtomicLong();
        assertTrue(team.tryRun(4, id -> sum.addAndGet(id)));
        assertEquals(6, sum.get());
    }

    @Test
    void aHeldTeamRefusesAndRunsNothing() {
        AtomicIntegerArray inner = new AtomicIntegerArray(1);
        boolean[] nested = new boolean[1];
        assertTrue(team.tryRun(2, id -> {
            if (id == 0) nested[0] = team.tryRun(2, j -> inner.incrementAndGet(0));
        }));
        assertFalse(nested[0], "a part's own parallel call finds the team held");
        assertEquals(0, inner.get(0));
        assertFalse(team.tryRun(5, id -> inner.incrementAndGet(0)), "more parts than threads");
        assertEquals(0, inner.get(0));
    }

    @Test
    void callersAtOnceAllFinishThroughTheTeamOrThePool() throws Exception {
        int callers = 6, calls = 3_000;
        ConcurrentHashMap<String, Long> wrong = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            int me = c;
            Thread t = new Thread(() -> {
                for (int call = 0; call < calls; call++) {
                    long[] parts = new long[2];
                    Parallel.run(2, id -> parts[id] = me * 10L + id + 1);
                    if (parts[0] != me * 10L + 1 || parts[1] != me * 10L + 2) wrong.merge("caller " + me, 1L, Long::sum);
                }
            });
            t.setUncaughtExceptionHandler((th, e) -> wrong.merge("caller " + me + " threw " + e, 1L, Long::sum));
            threads.add(t);
        }
        for (Thread t : threads) t.start();
        for (Thread t : threads) t.join(120_000);
        for (Thread t : threads) assertFalse(t.isAlive(), "a caller still waits");
        assertTrue(wrong.isEmpty(), "parts lost: " + wrong);
    }
}
