package dev.paralelo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The child JVM of {@link MappedTruncationTest}: for each kernel of one implementation (args[1]:
 * {@code SCALAR}, {@code VECTOR} or {@code NATIVE}) that reads a segment, maps a file of its own, calls the
 * kernel until the JIT has compiled it, then has a second thread truncate the file while the
 * calls go on. Every call before the fault must give the expected bits, and the fault must come
 * back as an exception: InternalError (the JVM's report of a lost page) or
 * IllegalStateException. A Vector API kernel whose compiled code lacks the scalar guard, or a
 * native kernel outside the library's SIGBUS guard, kills this JVM with SIGBUS instead, and the
 * test sees the crash. The native kernels also run on two threads, where a worker thread of the
 * library's team takes the fault.
 *
 * <p>Prints one line per kernel, "ok NAME", then "cases N", and exits 0; anything else is a
 * failure.
 */
public final class MappedTruncationCheck {
    private MappedTruncationCheck() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Implementation impl = Implementation.valueOf(args[1]);
        STRICT = impl == Implementation.NATIVE;
        Kernels v = Kernels.using(impl).withThreads(1);
        Kernels fast = v.withMode(SumMode.FAST);
        int n = 1 << 15;
        Map<String, Case> cases = new LinkedHashMap<>();
        cases.put("sum f64 accurate", new Case(DType.F64, n, m -> bits(v.sum(F64Array.wrap(m)))));
        cases.put("sum f64 fast", new Case(DType.F64, n, m -> bits(fast.sum(F64Array.wrap(m)))));
        cases.put("sum f32 accurate", new Case(DType.F32, n, m -> bits(v.sum(F32Array.wrap(m)))));
        cases.put("sum f32 fast", new Case(DType.F32, n, m -> bits(fast.sum(F32Array.wrap(m)))));
        cases.put("small sum f64", new Case(DType.F64, 500, m -> bits(v.sum(F64Array.wrap(m)))));
        cases.put("small sum f32 fast", new Case(DType.F32, 500, m -> bits(fast.sum(F32Array.wrap(m)))));
        // past 32 blocks sums take the accumulator's block loop (up to 32, the few-block path)
        int many = 40 * 4096 + 17;
        cases.put("sum f64 accurate, 40 blocks", new Case(DType.F64, many, m -> bits(v.sum(F64Array.wrap(m)))));
        cases.put("sum f64 fast, 40 blocks", new Case(DType.F64, many, m -> bits(fast.sum(F64Array.wrap(m)))));
        cases.put("sum f32 accurate, 40 blocks", new Case(DType.F32, many, m -> bits(v.sum(F32Array.wrap(m)))));
        cases.put("mean f64, 40 blocks", new Case(DType.F64, many, m -> bits(v.mean(F64Array.wrap(m)))));
        // Only the page of a block's partial last row lost: the masked tail loads fault alone.
        cases.put("sum f64 fast, one block, the tail's page lost", new Case(DType.F64, 1040, 8192, m -> bits(fast.sum(F64Array.wrap(m)))));
        cases.put("sum f64 fast, three blocks, the tail's page lost", new Case(DType.F64, 8212, 65536, m -> bits(fast.sum(F64Array.wrap(m)))));
        cases.put("sum f32 fast, three blocks, the tail's page lost", new Case(DType.F32, 8212, 32768, m -> bits(fast.sum(F32Array.wrap(m)))));
        cases.put("dot f64 fast, one block, the tail's page lost", new Case(DType.F64, 1040, 8192, m -> bits(fast.dot(F64Array.wrap(m), F64Array.wrap(m)))));
        cases.put("dot f32 fast, three blocks, the tail's page lost", new Case(DType.F32, 8212, 32768, m -> bits(fast.dot(F32Array.wrap(m), F32Array.wrap(m)))));
        cases.put("dot f64 accurate", new Case(DType.F64, n, m -> bits(v.dot(F64Array.wrap(m), F64Array.wrap(m)))));
        cases.put("dot f64 fast", new Case(DType.F64, n, m -> bits(fast.dot(F64Array.wrap(m), F64Array.wrap(m)))));
        cases.put("dot f32 accurate", new Case(DType.F32, n, m -> bits(v.dot(F32Array.wrap(m), F32Array.wrap(m)))));
        cases.put("dot f32 fast", new Case(DType.F32, n, m -> bits(fast.dot(F32Array.wrap(m), F32Array.wrap(m)))));
        cases.put("variance f64", new Case(DType.F64, n, m -> bits(v.variance(F64Array.wrap(m)))));
        cases.put("variance f32 fast", new Case(DType.F32, n, m -> bits(fast.variance(F32Array.wrap(m)))));
        cases.put("variance centre f64, a sample", new Case(DType.F64, n, m -> bits(v.varianceCenter(F64Array.wrap(m)))));
        cases.put("variance centre f32, one block", new Case(DType.F32, 3000, m -> bits(v.varianceCenter(F32Array.wrap(m)))));
        cases.put("min f64", new Case(DType.F64, n, m -> bits(v.min(F64Array.wrap(m)))));
        cases.put("max f32", new Case(DType.F32, n, m -> bits(v.max(F32Array.wrap(m)))));
        cases.put("sum i32", new Case(DType.I32, n, m -> v.sum(I32Array.wrap(m))));
        cases.put("sum i64", new Case(DType.I64, n, m -> v.sum(I64Array.wrap(m))));
        cases.put("dot i32", new Case(DType.I32, n, m -> v.dot(I32Array.wrap(m), I32Array.wrap(m))));
        // i32 as longs: a min of ints widened in one load killed the JVM (RangeKernels, "Mapped i32 arrays")
        cases.put("min i32", new Case(DType.I32, n, m -> v.min(I32Array.wrap(m))));
        cases.put("max i32, 40 blocks", new Case(DType.I32, many, m -> v.max(I32Array.wrap(m))));
        cases.put("argmax i32", new Case(DType.I32, n, m -> v.argmax(I32Array.wrap(m))));
        cases.put("variance i32", new Case(DType.I32, n, m -> bits(v.variance(I32Array.wrap(m)))));
        cases.put("sum i32, 40 blocks", new Case(DType.I32, many, m -> v.sum(I32Array.wrap(m))));
        cases.put("dot i32, the tail's page lost", new Case(DType.I32, 8212, 32768, m -> v.dot(I32Array.wrap(m), I32Array.wrap(m))));
        cases.put("min i32 of one element", new Case(DType.I32, 1, m -> v.min(I32Array.wrap(m))));
        I64Array sliceOut = I64Array.allocate(Arena.ofAuto(), n / 64);
        cases.put("slice sums of 64, i32", new Case(DType.I32, n, m -> {
            v.reduceSlices(SliceOp.SUM, I32Array.wrap(m), 64, sliceOut);
            return sliceOut.get(0) * 31 + sliceOut.get(n / 64 - 1);
        }));
        if (impl == Implementation.NATIVE) {
            // The library's team: the part of the worker thread faults (the file cut to half).
            Kernels two = v.withThreads(2), twoFast = two.withMode(SumMode.FAST);
            int big = 1 << 20;
            long half = 4L * big;
            cases.put("sum f64 accurate, 2 threads", new Case(DType.F64, big, half, m -> bits(two.sum(F64Array.wrap(m)))));
            cases.put("sum f64 fast, 2 threads", new Case(DType.F64, big, half, m -> bits(twoFast.sum(F64Array.wrap(m)))));
            cases.put("variance f32, 2 threads", new Case(DType.F32, big, half / 2, m -> bits(two.variance(F32Array.wrap(m)))));
            cases.put("dot f64 fast, 2 threads", new Case(DType.F64, big, half, m -> bits(twoFast.dot(F64Array.wrap(m), F64Array.wrap(m)))));
            cases.put("max f64, 2 threads", new Case(DType.F64, big, 0, m -> bits(two.max(F64Array.wrap(m)))));
            cases.put("sum i64, 2 threads", new Case(DType.I64, big, half, m -> two.sum(I64Array.wrap(m))));
            cases.put("slice sums of 64, 2 threads", new Case(DType.F64, big, half, m -> sliceBits(two, m, 64)));
            cases.put("slice sums of 8, 1 thread", new Case(DType.F64, big, half, m -> sliceBits(v, m, 8)));
            // A heap operand next to the mapping: these ran the pure-Java kernels, where the JVM
            // crashed on i32 and a copy's fault escaped as an InternalError after the call.
            cases.put("slice sums of 64, i32, into a heap array", new Case(DType.I32, big, half / 2, m -> {
                long[] out = new long[big / 64];
                two.reduceSlices(SliceOp.SUM, I32Array.wrap(m), 64, I64Array.wrap(out));
                return java.util.Arrays.hashCode(out);
            }));
            long[] offsets = new long[1000];
            for (int i = 0; i < offsets.length; i++) offsets[i] = (long) i * (big / offsets.length);
            cases.put("reduceAt of i32 with heap offsets", new Case(DType.I32, big, half / 2, m -> {
                long[] out = new long[offsets.length];
                two.reduceAt(SliceOp.SUM, I32Array.wrap(m), offsets, I64Array.wrap(out));
                return java.util.Arrays.hashCode(out);
            }));
            cases.put("copy out of the mapping into a heap array", new Case(DType.F64, big, half, m -> {
                double[] out = new double[big];
                two.copy(F64Array.wrap(m), F64Array.wrap(out));
                return java.util.Arrays.hashCode(out);
            }));
            F64Array from = F64Array.allocate(Arena.ofAuto(), 1000);
            cases.put("copy of 1000 doubles into the mapping", new Case(DType.F64, 1000, 0, m -> {
                v.copy(from, F64Array.wrap(m));
                return 0;
            }));
        }
        for (Map.Entry<String, Case> e : cases.entrySet()) {
            String failure = run(dir.resolve("truncated-" + e.getKey().replace(' ', '-')), e.getValue());
            if (failure != null) {
                System.out.println("FAILED " + e.getKey() + ": " + failure);
                System.exit(1);
            }
            System.out.println("ok " + e.getKey());
        }
        System.out.println("cases " + cases.size());
    }

    /** Slice sums of k into a heap array, hashed to one long. */
    private static long sliceBits(Kernels k, MemorySegment m, int len) {
        F64Array x = F64Array.wrap(m);
        F64Array out = F64Array.wrap(new double[(int) (x.length() / len)]);
        k.reduceSlices(SliceOp.SUM, x, len, out);
        long h = 0;
        for (long i = 0; i < out.length(); i++) h = h * 31 + bits(out.get(i));
        return h;
    }

    /** Whether only IllegalStateException is a right answer (the native kernels' runs). */
    private static boolean STRICT;

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    /** A kernel call on a mapped segment of n elements of type t, as bits; the file is cut to keep bytes. */
    private record Case(DType type, int n, long keep, ToLongFunction<MemorySegment> call) {
        Case(DType type, int n, ToLongFunction<MemorySegment> call) {
            this(type, n, 0, call);
        }
    }

    /** Null when the case passed, else why it failed. */
    private static String run(Path p, Case c) throws Exception {
        long bytes = (long) c.n() * c.type().size();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(bytes);
            ch.write(java.nio.ByteBuffer.allocate(1), bytes - 1);
            MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, Arena.ofAuto());
            java.util.Random r = new java.util.Random(7);
            for (long i = 0; i < c.n(); i++) {
                switch (c.type()) {
                    case F64 -> m.setAtIndex(ValueLayout.JAVA_DOUBLE, i, r.nextGaussian());
                    case F32 -> m.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
                    case I32 -> m.setAtIndex(ValueLayout.JAVA_INT, i, r.nextInt(1 << 20));
                    case I64 -> m.setAtIndex(ValueLayout.JAVA_LONG, i, r.nextLong() >> 8);
                }
            }
            long want = c.call().applyAsLong(m);
            // Compiled: calls for 400 ms (C2 compiles these within a few thousand calls).
            for (long end = System.nanoTime() + 400_000_000L; System.nanoTime() < end; ) {
                if (c.call().applyAsLong(m) != want) return "a call before the truncation gave other bits";
            }
            java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean cut = new java.util.concurrent.atomic.AtomicBoolean();
            Thread cutter = new Thread(() -> {
                try {
                    while (calls.get() < 100) Thread.onSpinWait(); // the truncation lands among running calls
                    cut.set(true);
                    ch.truncate(c.keep());
                } catch (Exception x) {
                    throw new IllegalStateException(x);
                }
            });
            cutter.start();
            try {
                for (long end = System.nanoTime() + 20_000_000_000L; System.nanoTime() < end; calls.incrementAndGet()) {
                    if (c.call().applyAsLong(m) != want) return "a call gave other bits (" + calls + " calls in) instead of failing";
                }
                return "no error in 20 s of calls on a truncated file";
            } catch (InternalError | IllegalStateException expected) {
                if (!cut.get()) return "failed before the truncation: " + expected;
                // The native kernels (and the Vector API kernels below their crossover, through
                // Kernels) report the fault as IllegalStateException; a raw InternalError means
                // Java code faulted outside the call's handling (a copy's fault surfaced late).
                return STRICT && !(expected instanceof IllegalStateException) ? "the JVM's error escaped: " + expected : null;
            } finally {
                cutter.join();
            }
        } finally {
            Files.deleteIfExists(p);
        }
    }
}
