package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Closing a shared arena while other threads run kernels on its arrays surfaces as the
 * library's IllegalStateException, never an AssertionError from a binding, and never a crash.
 */
class ArenaRaceTest {
    @Test
    void closingASharedArenaDuringKernelsGivesIllegalStateException() throws Exception {
        Kernels k = Kernels.using(Backends.nativeKernels()).withThreads(1);
        int rounds = 10_000;
        for (int round = 0; round < rounds; round++) {
            Arena arena = Arena.ofShared();
            F64Array x = F64Array.allocate(arena, 1 + (round % 3) * 4000);
            AtomicReference<Throwable> wrong = new AtomicReference<>();
            CountDownLatch go = new CountDownLatch(1);
            Thread user = new Thread(() -> {
                go.countDown();
                for (int i = 0; i < 50; i++) {
                    try {
                        k.sum(x);
                        k.partial(Reduction.MAX, x);
                    } catch (IllegalStateException expected) {
                        return;
                    } catch (Throwable t) {
                        wrong.set(t);
                        return;
                    }
                }
            });
            user.start();
            go.await();
            while (true) {
                try {
                    arena.close();
                    break;
                } catch (IllegalStateException busy) {
                    // "session is acquired": a kernel is running right now; try again
                    Thread.onSpinWait();
                }
            }
            user.join();
            assertTrue(wrong.get() == null, "round " + round + ": " + wrong.get());
        }
    }
}
