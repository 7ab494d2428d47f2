package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.paralelo.kernel.KernelBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A property test of the Java API under random aliasing and overlap (issue 13): random
 * elementwise, slice and whole-array calls on random views of one buffer, on a random
 * implementation and thread count. Each call must do what the same call does on private copies
 * of its inputs under the scalar Java implementation on one thread (same bytes, same exception
 * class), except that slice reductions refuse an output sharing memory with an input and then
 * write nothing. A crash ends the test JVM, which fails the build.
 *
 * <p>Runs for {@code -Dparalelo.fuzzSeconds} seconds (default 60); the seed is printed in every
 * failure and can be fixed with {@code -Dparalelo.fuzzSeed}.
 */
class OverlapFuzzTest {
    private static final List<KernelBackend> BACKENDS = Backends.all().toList();
    private static final Kernels REFERENCE = Kernels.using(Backends.javaKernels()).withThreads(1);
    private static final DType[] TYPES = DType.values();
    private static final SliceOp[] SLICE_OPS = SliceOp.values();

    @Test
    void randomAliasingBehavesAsOnCopies() {
        long seconds = Long.getLong("paralelo.fuzzSeconds", 60);
        long seed = Long.getLong("paralelo.fuzzSeed", System.nanoTime());
        SplittableRandom r = new SplittableRandom(seed);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int calls = 0;
        while (System.nanoTime() < end) {
            long callSeed = r.nextLong();
            try {
                oneCall(new SplittableRandom(callSeed));
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", call " + calls + " (call seed " + callSeed + "): "
                        + e.getMessage(), e);
            }
            calls++;
        }
        assertTrue(calls > 100, "only " + calls + " calls in " + seconds + " s");
    }

    private static void oneCall(SplittableRandom r) {
        DType type = TYPES[r.nextInt(TYPES.length)];
        int n = r.nextInt(10) == 0 ? 150_000 + r.nextInt(150_000) : r.nextInt(3000);
        KernelBackend backend = BACKENDS.get(r.nextInt(BACKENDS.size()));
        Kernels k = Kernels.using(backend).withThreads(1 + r.nextInt(2));
        try (Arena arena = Arena.ofConfined()) {
            NumArray buf = randomArray(arena, type, n, r);
            NumArray ref = NumArray.wrapAs(type, NumArray.allocateSegment(arena, n, type));
            MemorySegment.copy(buf.segment(), 0, ref.segment(), 0, buf.segment().byteSize());
            int op = r.nextInt(9);
            int len = n == 0 ? 0 : r.nextInt(n + 1);
            int o = at(r, n, len), a = near(r, n, len, o), b = near(r, n, len, o);
            String what = "op " + op + " " + type.label() + " n=" + n + " len=" + len + " out@" + o + " a@" + a + " b@" + b
                    + " on " + backend.getClass().getSimpleName();
            switch (op) {
                case 0, 1, 2 -> {
                    NumArray out = buf.slice(o, o + len), ra = copy(arena, buf.slice(a, a + len)), rb = copy(arena, buf.slice(b, b + len));
                    Class<?> want = outcome(() -> binary(REFERENCE, op, ra, rb, ref.slice(o, o + len)));
                    Class<?> got = outcome(() -> binary(k, op, buf.slice(a, a + len), buf.slice(b, b + len), out));
                    assertEquals(want, got, what);
                }
                case 3 -> {
                    long alpha = r.nextInt(7) - 3;
                    NumArray rx = copy(arena, buf.slice(a, a + len));
                    Class<?> want = outcome(() -> REFERENCE.scale(rx, alpha, ref.slice(o, o + len)));
                    Class<?> got = outcome(() -> k.scale(buf.slice(a, a + len), alpha, buf.slice(o, o + len)));
                    assertEquals(want, got, what);
                }
                case 4 -> {
                    long alpha = r.nextInt(7) - 3;
                    NumArray rx = copy(arena, buf.slice(a, a + len));
                    Class<?> want = outcome(() -> REFERENCE.axpy(alpha, rx, ref.slice(o, o + len)));
                    Class<?> got = outcome(() -> k.axpy(alpha, buf.slice(a, a + len), buf.slice(o, o + len)));
                    assertEquals(want, got, what);
                }
                case 5 -> {
                    NumArray rx = copy(arena, buf.slice(a, a + len));
                    Class<?> want = outcome(() -> REFERENCE.copy(rx, ref.slice(o, o + len)));
                    Class<?> got = outcome(() -> k.copy(buf.slice(a, a + len), buf.slice(o, o + len)));
                    assertEquals(want, got, what);
                }
                case 6 -> sliceReduce(k, r, buf, ref, arena, what + " reduceSlices");
                case 7 -> reduceAt(k, r, buf, ref, arena, what + " reduceAt");
                default -> { // whole-array reductions read overlapping views: same bits as on copies
                    if (len == 0) return;
                    NumArray x = buf.slice(a, a + len), y = buf.slice(b, b + len);
                    if (type.isFloat()) {
                        assertEquals(Double.doubleToRawLongBits(REFERENCE.dot(copy(arena, x), copy(arena, y))),
                                Double.doubleToRawLongBits(k.dot(x, y)), what + " dot");
                    }
                    assertEquals(Double.doubleToRawLongBits(REFERENCE.mean(copy(arena, x))),
                            Double.doubleToRawLongBits(k.mean(x)), what + " mean");
                }
            }
            assertSameBytes(ref, buf, what);
        }
    }

    private static void sliceReduce(Kernels k, SplittableRandom r, NumArray buf, NumArray ref, Arena arena, String what) {
        int n = (int) buf.length();
        SliceOp op = SLICE_OPS[r.nextInt(SLICE_OPS.length)];
        if (op.outputType(buf.dtype()) != buf.dtype() || n == 0) return; // out must live in buf to overlap
        int xa = r.nextInt(n), xb = xa + r.nextInt(n - xa + 1);
        long kk = 1 + r.nextInt(Math.max(1, xb - xa));
        long m = (xb - xa) / kk + ((xb - xa) % kk != 0 ? 1 : 0);
        if (m > n) return;
        int o = r.nextBoolean() ? at(r, n, (int) m) : near(r, n, (int) m, xa);
        boolean shares = o < xb && xa < o + m && m > 0 && xb > xa;
        NumArray x = buf.slice(xa, xb), out = buf.slice(o, o + m);
        if (shares) {
            Class<?> got = outcome(() -> k.reduceSlices(op, x, kk, out));
            assertEquals(IllegalArgumentException.class, got, what + ": out shares memory with x");
        } else {
            NumArray rx = copy(arena, ref.slice(xa, xb)), refOut = ref.slice(o, o + m);
            Class<?> want = outcome(() -> REFERENCE.reduceSlices(op, rx, kk, refOut));
            assertEquals(want, outcome(() -> k.reduceSlices(op, x, kk, out)), what);
            if (want == ArithmeticException.class) unspecified(out, refOut);
        }
    }

    private static void reduceAt(Kernels k, SplittableRandom r, NumArray buf, NumArray ref, Arena arena, String what) {
        int n = (int) buf.length();
        if (n == 0) return;
        SliceOp op = SLICE_OPS[r.nextInt(SLICE_OPS.length)];
        int xa = r.nextInt(n), xb = xa + 1 + r.nextInt(n - xa);
        int m = r.nextInt(Math.min(64, n) + 1);
        // the offsets: a private array, or (i64 buffers) a view of the buffer itself
        boolean offsetsInBuf = buf.dtype() == DType.I64 && r.nextBoolean();
        int oa = r.nextInt(n - m + 1);
        I64Array offsets, refOffsets;
        if (offsetsInBuf) {
            offsets = (I64Array) buf.slice(oa, oa + m);
            refOffsets = (I64Array) copy(arena, ref.slice(oa, oa + m));
            if (r.nextBoolean()) for (int j = 0; j < m; j++) { // in range, so that the call can run
                long v = r.nextInt(xb - xa);
                offsets.set(j, v);
                refOffsets.set(j, v);
                ((I64Array) ref).set(oa + j, v);
            }
        } else {
            offsets = I64Array.allocate(arena, m);
            for (int j = 0; j < m; j++) offsets.set(j, r.nextInt(10) == 0 ? r.nextInt() : r.nextInt(xb - xa));
            refOffsets = (I64Array) copy(arena, offsets);
        }
        boolean outInBuf = op.outputType(buf.dtype()) == buf.dtype() && r.nextBoolean();
        int o = outInBuf ? (r.nextBoolean() ? at(r, n, m) : near(r, n, m, offsetsInBuf ? oa : xa)) : 0;
        NumArray x = buf.slice(xa, xb);
        NumArray out = outInBuf ? buf.slice(o, o + m) : NumArray.wrapAs(op.outputType(buf.dtype()),
                NumArray.allocateSegment(arena, m, op.outputType(buf.dtype())));
        NumArray refOut = outInBuf ? ref.slice(o, o + m) : NumArray.wrapAs(out.dtype(),
                NumArray.allocateSegment(arena, m, out.dtype()));
        boolean shares = outInBuf && m > 0 && (o < xb && xa < o + m || offsetsInBuf && o < oa + m && oa < o + m);
        if (shares) {
            assertEquals(IllegalArgumentException.class, outcome(() -> k.reduceAt(op, x, offsets, out)),
                    what + ": out shares memory with an input");
        } else {
            NumArray rx = copy(arena, ref.slice(xa, xb));
            Class<?> want = outcome(() -> REFERENCE.reduceAt(op, rx, refOffsets, refOut));
            assertEquals(want, outcome(() -> k.reduceAt(op, x, offsets, out)), what);
            if (want == ArithmeticException.class) unspecified(out, refOut);
            else if (!outInBuf) assertSameBytes(refOut, out, what + " (out)");
        }
    }

    /**
     * A slice reduction that fails inside the kernel (an integer sum that leaves a long) leaves out
     * unspecified: slices already done may have been written. Only out may differ.
     */
    private static void unspecified(NumArray out, NumArray refOut) {
        MemorySegment.copy(out.segment(), 0, refOut.segment(), 0, out.segment().byteSize());
    }

    private static void binary(Kernels k, int op, NumArray a, NumArray b, NumArray out) {
        switch (op) {
            case 0 -> k.add(a, b, out);
            case 1 -> k.sub(a, b, out);
            default -> k.mul(a, b, out);
        }
    }

    /** The class of what the call threw, or Void when it returned. */
    private static Class<?> outcome(Runnable call) {
        try {
            call.run();
            return Void.class;
        } catch (RuntimeException e) {
            return e.getClass();
        }
    }

    /** A start for a view of len elements in [0, n). */
    private static int at(SplittableRandom r, int n, int len) {
        return r.nextInt(n - len + 1);
    }

    /** A start near base (often overlapping it, sometimes exactly base), for a view of len. */
    private static int near(SplittableRandom r, int n, int len, int base) {
        int room = n - len;
        if (room == 0) return 0;
        int pick = switch (r.nextInt(4)) {
            case 0 -> base;
            case 1 -> base + r.nextInt(9) - 4;
            case 2 -> base + r.nextInt(2 * Math.max(1, len)) - len;
            default -> r.nextInt(room + 1);
        };
        return Math.clamp(pick, 0, room);
    }

    private static NumArray randomArray(Arena arena, DType type, int n, SplittableRandom r) {
        NumArray a = NumArray.wrapAs(type, NumArray.allocateSegment(arena, n, type));
        MemorySegment s = a.segment();
        for (int i = 0; i < n; i++) {
            switch (type) {
                case F64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, (r.nextDouble() - 0.5) * 2000);
                case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) ((r.nextDouble() - 0.5) * 2000));
                case I64 -> s.setAtIndex(ValueLayout.JAVA_LONG, i, r.nextLong());
                case I32 -> s.setAtIndex(ValueLayout.JAVA_INT, i, r.nextInt());
            }
        }
        return a;
    }

    private static NumArray copy(Arena arena, NumArray a) {
        NumArray c = NumArray.wrapAs(a.dtype(), NumArray.allocateSegment(arena, a.length(), a.dtype()));
        MemorySegment.copy(a.segment(), 0, c.segment(), 0, a.segment().byteSize());
        return c;
    }

    private static void assertSameBytes(NumArray want, NumArray got, String what) {
        long at = want.segment().mismatch(got.segment());
        if (at >= 0) fail(what + ": bytes differ from the call on copies at element " + at / want.dtype().size());
    }
}
