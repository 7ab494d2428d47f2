package dev.paralelo.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.paralelo.Backends;
import dev.paralelo.Data;
import dev.paralelo.internal.ffi.ParaleloLib;
import dev.paralelo.kernel.KernelBackend;
import dev.paralelo.kernel.Reductions;
import dev.paralelo.kernel.States;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * The partial states and the block partition are the same in Java and C: the same field
 * offsets and sizes, the same words computed from the same data, the same merges, the same
 * partition of [0, n).
 */
class StateLayoutTest {
    private static final int[] KINDS = {ParaleloLib.PL_STATE_SUM, ParaleloLib.PL_STATE_INTEGER, ParaleloLib.PL_STATE_EXTREMUM,
        ParaleloLib.PL_STATE_CENTERED, ParaleloLib.PL_STATE_MOMENTS};

    @Test
    void everyStateHasTheLayoutOfItsCStruct() {
        try (Arena a = Arena.ofConfined()) {
            for (int kind : KINDS) {
                long[] java = States.layout(kind);
                MemorySegment c = a.allocate(ValueLayout.JAVA_LONG, java.length);
                assertEquals(0, ParaleloLib.plStateLayout(kind, c, java.length), "kind " + kind);
                assertArrayEquals(java, c.toArray(ValueLayout.JAVA_LONG), "field offsets and size of kind " + kind);
                assertEquals(States.words(kind), ParaleloLib.plStateWords(kind), "words of kind " + kind);
            }
            for (int dtype = 0; dtype < 4; dtype++) {
                for (int op : new int[] {KernelBackend.SUM, KernelBackend.MEAN, KernelBackend.MIN, KernelBackend.MAX,
                    KernelBackend.VAR, KernelBackend.DOT}) {
                    assertEquals(States.kind(dtype, op), ParaleloLib.plStateKind(dtype, op), "kind of " + dtype + "/" + op);
                    long[] id = States.init(dtype, op, 1.25);
                    MemorySegment c = a.allocate(8L * id.length, 8);
                    ParaleloLib.plStateInit(c, dtype, op, 1.25);
                    assertArrayEquals(id, c.toArray(ValueLayout.JAVA_LONG), "identity of " + dtype + "/" + op);
                }
            }
        }
    }

    /** The same state words from C and from Java, on one thread (so with the same additions). */
    @Test
    void bothImplementationsComputeTheSameStateWords() {
        KernelBackend nat = Backends.nativeKernels(), java = Backends.javaKernels();
        int n = 3 * 4096 + 5;
        double[] v = Data.illConditioned(n, 5);
        v[7] = Double.NaN;
        MemorySegment[] data = {Data.f64(v).segment(), Data.f32(v).segment(), dev.paralelo.I64Array.of(longs(n)).segment(),
            dev.paralelo.I32Array.of(ints(n)).segment()};
        for (int dtype = 0; dtype < 4; dtype++) {
            for (int op : new int[] {KernelBackend.SUM, KernelBackend.MIN, KernelBackend.MAX, KernelBackend.VAR, KernelBackend.DOT}) {
                for (int mode = 0; mode <= 1; mode++) {
                    long[] a = States.init(dtype, op, 0.5), b = States.init(dtype, op, 0.5);
                    MemorySegment y = op == KernelBackend.DOT ? data[dtype] : null;
                    nat.partial(dtype, op, data[dtype], y, n, 4096, n, mode, 1, a);
                    java.partial(dtype, op, data[dtype], y, n, 4096, n, mode, 1, b);
                    assertArrayEquals(b, a, "dtype " + dtype + " op " + op + " mode " + mode);
                    long[] ca = a.clone(), cb = b.clone();
                    int kind = States.kind(dtype, op);
                    States.merge(kind, ca, b);
                    try (Arena ar = Arena.ofConfined()) {
                        MemorySegment d = ar.allocate(8L * a.length, 8), s = ar.allocate(8L * a.length, 8);
                        MemorySegment.copy(a, 0, d, ValueLayout.JAVA_LONG, 0, a.length);
                        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_LONG, 0, b.length);
                        assertEquals(0, ParaleloLib.plMerge(kind, d, s));
                        assertArrayEquals(ca, d.toArray(ValueLayout.JAVA_LONG), "merge of kind " + kind);
                    }
                    assertEquals(cb.length, ca.length);
                }
            }
        }
    }

    private static long[] longs(int n) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = r.nextLong();
        return v;
    }

    private static int[] ints(int n) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(2);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt();
        return v;
    }

    @Test
    void theBlockPartitionIsTheOneTheCLibraryUses() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lo = a.allocate(ValueLayout.JAVA_LONG), hi = a.allocate(ValueLayout.JAVA_LONG);
            for (long n : new long[] {0, 1, 4095, 4096, 4097, 100_003, 1L << 40, (1L << 62) - 1}) {
                for (int parts : new int[] {1, 2, 3, 5, 7, 16, 1000, Integer.MAX_VALUE}) {
                    for (int i : new int[] {0, 1, parts / 2, parts - 1}) {
                        if (i >= parts) continue;
                        long[] j = Reductions.partition(n, parts, i);
                        assertEquals(0, ParaleloLib.plPartition(n, parts, i, lo, hi));
                        assertEquals(j[0], lo.get(ValueLayout.JAVA_LONG, 0), "lo of part " + i + "/" + parts + " of " + n);
                        assertEquals(j[1], hi.get(ValueLayout.JAVA_LONG, 0), "hi of part " + i + "/" + parts + " of " + n);
                    }
                }
            }
        }
    }
}
