package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.paralelo.kernel.KernelBackend;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad call raises a Java exception with a clear message before native code runs, and the
 * JVM survives each one (the last assertion makes a good call afterwards).
 */
class ErrorsTest {
    static java.util.stream.Stream<KernelBackend> backends() {
        return Backends.all();
    }

    private static void rejects(Class<? extends Throwable> type, String fragment, Executable call) {
        Throwable t = assertThrows(type, call);
        assertTrue(t.getMessage() != null && t.getMessage().contains(fragment),
                "message '" + t.getMessage() + "' should mention '" + fragment + "'");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void badCallsRaiseAndTheJvmSurvives(KernelBackend b) {
        Kernels k = Kernels.using(b);
        F64Array a = F64Array.of(1, 2, 3), c = F64Array.of(1, 2);
        rejects(IllegalArgumentException.class, "lengths differ", () -> k.add(a, c, F64Array.allocate(3)));
        rejects(IllegalArgumentException.class, "lengths differ", () -> k.dot(a, c));
        rejects(IndexOutOfBoundsException.class, "range [2, 5)", () -> a.slice(2, 5));
        rejects(IndexOutOfBoundsException.class, "index 3", () -> a.get(3));
        rejects(IndexOutOfBoundsException.class, "offsets[1] = 3", () -> k.reduceAt(SliceOp.SUM, a, new long[] {0, 3}, F64Array.allocate(2)));
        rejects(IndexOutOfBoundsException.class, "offsets[0] = -1", () -> k.reduceAt(SliceOp.SUM, a, new long[] {-1}, F64Array.allocate(1)));

        Arena arena = Arena.ofConfined();
        F64Array closed = F64Array.allocate(arena, 100_000);
        arena.close();
        rejects(IllegalStateException.class, "no longer accessible", () -> k.sum(closed));
        rejects(IllegalStateException.class, "no longer accessible", () -> k.add(a, a, closed.slice(0, 0)));
        Arena shared = Arena.ofShared();
        F64Array big = F64Array.allocate(shared, 1 << 20);
        shared.close();
        rejects(IllegalStateException.class, "no longer accessible", () -> k.variance(big));

        rejects(IllegalArgumentException.class, "element types differ", () -> k.dot(a, (NumArray) F32Array.of(1, 2, 3)));
        rejects(IllegalArgumentException.class, "element types differ", () -> k.copy(a, I64Array.allocate(3)));
        rejects(IllegalArgumentException.class, "wrong element type", () -> k.reduceSlices(SliceOp.SUM, I32Array.of(1, 2), 1, I32Array.allocate(2)));
        rejects(IllegalArgumentException.class, "integer factor", () -> k.scale(I32Array.of(1), 0.5, I32Array.allocate(1)));
        rejects(IllegalArgumentException.class, "multiple of 8", () -> F64Array.wrap(java.lang.foreign.MemorySegment.ofArray(new byte[12])));

        rejects(NullPointerException.class, "x", () -> k.sum((F64Array) null));
        rejects(NullPointerException.class, "out", () -> k.add(a, a, null));
        rejects(NullPointerException.class, "offsets", () -> k.reduceAt(SliceOp.SUM, a, (long[]) null, a));

        rejects(IllegalArgumentException.class, "k must be >= 1", () -> k.reduceSlices(SliceOp.SUM, a, -4, F64Array.allocate(1)));
        rejects(IllegalArgumentException.class, "k must be >= 1", () -> k.reduceSlices(SliceOp.SUM, a, 0, F64Array.allocate(1)));
        rejects(IllegalArgumentException.class, "slices", () -> k.reduceSlices(SliceOp.SUM, a, 2, F64Array.allocate(1)));
        rejects(IllegalArgumentException.class, "negative length", () -> F64Array.allocate(-1));
        rejects(IllegalArgumentException.class, "ddof", () -> k.variance(a, -1));
        rejects(IllegalArgumentException.class, "thread count", () -> k.withThreads(-2));
        rejects(IllegalArgumentException.class, "empty", () -> k.min(F64Array.of()));
        rejects(ReadOnlyArrayException.class, "read-only", () -> k.fill(F64Array.wrap(a.segment().asReadOnly()), 1.0));
        rejects(ArithmeticException.class, "overflows", () -> k.sum(I64Array.of(Long.MIN_VALUE, -1)));

        assertEquals(6.0, k.sum(a), "the JVM is alive and kernels still work");
    }

    /**
     * An array of a confined arena used from another thread: WrongThreadException from every
     * implementation and at every length, the empty array included (no kernel touches its
     * memory, and a Vector API kernel used to return 0.0 where the native one threw).
     */
    @ParameterizedTest
    @MethodSource("backends")
    void anotherThreadsConfinedArrayIsRejectedAtEveryLength(KernelBackend b) throws Exception {
        Kernels k = Kernels.using(b);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {0, 16, 5000}) {
                F64Array d = F64Array.allocate(arena, n);
                F32Array f = F32Array.allocate(arena, n);
                I64Array l = I64Array.allocate(arena, n);
                java.util.List<Executable> calls = java.util.List.of(() -> k.sum(d), () -> k.withMode(SumMode.FAST).sum(d), () -> k.sum(f),
                        () -> k.withMode(SumMode.FAST).mean(f), () -> k.dot(d, d), () -> k.variance(f), () -> k.sum(l),
                        () -> k.fill(d, 1.0), () -> k.add(F64Array.allocate(n), F64Array.allocate(n), d));
                for (Executable call : calls) {
                    var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
                    Thread t = new Thread(() -> {
                        try {
                            call.execute();
                        } catch (Throwable x) {
                            failure.set(x);
                        }
                    });
                    t.start();
                    t.join();
                    assertTrue(failure.get() instanceof WrongThreadException, "n = " + n + ": " + failure.get());
                }
            }
        }
    }
}
