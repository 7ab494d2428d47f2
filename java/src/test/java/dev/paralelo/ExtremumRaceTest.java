package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Min and max while another thread writes the array (as another process writes a shared one):
 * the element a block's first pass found extreme may be gone when the kernel looks for its index.
 * Every implementation gives a result whose index lies in the array (the pure-Java kernels' scan
 * ran past the block before, into an IndexOutOfBoundsException at the array's end).
 */
class ExtremumRaceTest {
    @ParameterizedTest
    @EnumSource(Implementation.class)
    void anElementWrittenDuringTheCallLeavesTheIndexInTheArray(Implementation impl) throws Exception {
        Kernels k = Kernels.using(impl);
        int n = 4096; // one block, the extreme at its last element: a scan past it leaves the array
        for (DType t : new DType[] {DType.F64, DType.I64}) {
            NumArray x = t == DType.F64 ? F64Array.allocate(n) : I64Array.allocate(n);
            for (int i = 0; i < n; i++) {
                if (x instanceof F64Array f) f.set(i, 1.0);
                else ((I64Array) x).set(i, 1);
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                while (!stop.get()) {
                    if (x instanceof F64Array f) {
                        f.set(n - 1, -1e300);
                        f.set(n - 1, 1.0);
                    } else {
                        ((I64Array) x).set(n - 1, -5);
                        ((I64Array) x).set(n - 1, 1);
                    }
                }
            });
            writer.start();
            int rounds = 0, low = 0;
            try {
                long end = System.nanoTime() + 1_000_000_000L;
                for (; System.nanoTime() < end || rounds < 2000; rounds++) {
                    Extremum e = (Extremum) k.partial(Reduction.MIN, x);
                    assertTrue(e.index() >= 0 && e.index() < n, impl + " " + t + ": index " + e.index());
                    assertEquals(n, e.count());
                    if (e.doubleValue() < 0) low++;
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            assertTrue(rounds >= 2000, rounds + " calls");
            // the writer raced: some calls saw its extreme (a test that never raced would prove nothing)
            assertTrue(low > 0, impl + " " + t + ": no call of " + rounds + " saw the written extreme");
        }
    }
}
