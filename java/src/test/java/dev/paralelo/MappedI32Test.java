package dev.paralelo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The i32 kernels read a mapped file through their own loads (RangeKernels, "Mapped i32
 * arrays": 64-bit loads that end with each element, the first element from the low half, a
 * one-element array copied out): every result on a mapped file has the bits of the same call on
 * an off-heap copy, at every length from 1 up, with the extreme values, on all three
 * implementations.
 */
class MappedI32Test {
    @TempDir
    Path dir;

    private static final int[] LENGTHS = {1, 2, 3, 7, 64, 65, 4095, 4096, 4097, 40 * 4096 + 17};

    @ParameterizedTest
    @EnumSource(value = Implementation.class, names = {"SCALAR", "VECTOR", "NATIVE"})
    void everyI32KernelOnAMappedFileGivesTheBitsOfAnOffHeapCopy(Implementation impl) throws Exception {
        Kernels k = Kernels.using(impl).withThreads(1), fast = k.withMode(SumMode.FAST);
        SplittableRandom r = new SplittableRandom(42);
        for (int n : LENGTHS) {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
                v[i] = switch (r.nextInt(8)) {
                    case 0 -> Integer.MIN_VALUE;
                    case 1 -> Integer.MAX_VALUE;
                    case 2 -> -1;
                    default -> r.nextInt();
                };
            }
            Path p = dir.resolve(impl + "-" + n + ".i32");
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    Arena arena = Arena.ofConfined()) {
                MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4L * n, arena);
                MemorySegment.copy(v, 0, m, ValueLayout.JAVA_INT_UNALIGNED, 0, n);
                I32Array mapped = I32Array.wrap(m), copy = I32Array.allocate(arena, n);
                MemorySegment.copy(v, 0, copy.segment(), ValueLayout.JAVA_INT_UNALIGNED, 0, n);
                String at = impl + ", n=" + n;
                assertEquals(k.sum(copy), k.sum(mapped), "sum, " + at);
                assertEquals(k.min(copy), k.min(mapped), "min, " + at);
                assertEquals(k.max(copy), k.max(mapped), "max, " + at);
                assertEquals(k.argmin(copy), k.argmin(mapped), "argmin, " + at);
                assertEquals(k.argmax(copy), k.argmax(mapped), "argmax, " + at);
                // dots of the extremes would overflow a long: against small factors, mapped or not
                I32Array small = I32Array.allocate(arena, n);
                for (int i = 0; i < n; i++) small.set(i, r.nextInt(-1000, 1000));
                MemorySegment ms = ch.map(FileChannel.MapMode.READ_WRITE, 4L * n, 4L * n, arena);
                MemorySegment.copy(small.segment(), 0, ms, 0, 4L * n);
                I32Array smallMapped = I32Array.wrap(ms);
                assertEquals(k.dot(copy, small), k.dot(mapped, small), "dot with one mapped, " + at);
                assertEquals(k.dot(copy, small), k.dot(mapped, smallMapped), "dot of two mapped, " + at);
                assertEquals(k.dot(small, small), k.dot(smallMapped, smallMapped), "dot of one mapped with itself, " + at);
                assertEquals(Double.doubleToRawLongBits(k.mean(copy)), Double.doubleToRawLongBits(k.mean(mapped)), "mean, " + at);
                assertEquals(Double.doubleToRawLongBits(fast.mean(copy)), Double.doubleToRawLongBits(fast.mean(mapped)), "fast mean, " + at);
                if (n > 1) {
                    assertEquals(Double.doubleToRawLongBits(k.variance(copy)), Double.doubleToRawLongBits(k.variance(mapped)), "variance, " + at);
                }
                for (SliceOp op : SliceOp.values()) {
                    int slices = (n + 63) / 64;
                    NumArray want = allocate(arena, op.outputType(DType.I32), slices), got = allocate(arena, op.outputType(DType.I32), slices);
                    k.reduceSlices(op, copy, 64, want);
                    k.reduceSlices(op, mapped, 64, got);
                    assertEquals(-1, want.segment().mismatch(got.segment()), op + " of slices of 64, " + at);
                }
                // the first element alone, and the element right after it (the low and high halves)
                assertEquals(v[0], k.min(I32Array.wrap(m.asSlice(0, 4))), "first element alone, " + at);
                if (n > 1) assertEquals(Math.max(v[0], v[1]), k.max(I32Array.wrap(m.asSlice(0, 8))), "first two, " + at);
            }
        }
    }

    private static NumArray allocate(Arena arena, DType t, int n) {
        return switch (t) {
            case F64 -> F64Array.allocate(arena, n);
            case F32 -> F32Array.allocate(arena, n);
            case I64 -> I64Array.allocate(arena, n);
            case I32 -> I32Array.allocate(arena, n);
        };
    }
}
