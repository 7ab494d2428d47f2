package dev.paralelo;

import java.lang.management.ManagementFactory;

/**
 * The child JVM of {@link AllocationTest}: float sums and means on one thread allocate nothing
 * per call, on every implementation, from one element to 32 blocks (the few-block path) and
 * past it; so do float dots up to 32 blocks (their few-block path, no accumulator) on the scalar
 * Java kernels, checked in a JVM of their own (argument "dots"): added to the sums' JVM they
 * changed what the JIT made of the sums (a fresh clone's run saw the vector mean of 16 doubles
 * allocate 1,344 B per call there). The other dots are left out, for the JIT's sake, not the
 * library's: the vector kernels' fast f32 dot of 4097 elements allocated 2,248 B per call in one
 * JVM of five (boxed vectors, as "Heap segments" in VectorRangeKernels describes), and the
 * native provider's downcall 24 B in some JVMs that had run many kernels, before this check
 * existed as after (open). Float variances up to 32 blocks (their few-block path) on the native
 * and scalar kernels allocate nothing either (argument "variances"; the vector kernels' are left
 * out, see main), nor do mins and maxes there (argument "extrema"; the vector kernels' still
 * allocate, 224 B to 2.5 KiB per call, open). Garbage per call is what cost a vector fast sum of 8192 doubles 1.7 times its time
 * on the 2-core VM (the young generation's first touch of fresh pages; FewSum says more). The
 * count comes from the JVM's per-thread allocation counter.
 */
public final class AllocationCheck {
    private AllocationCheck() {}

    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Bytes allocated per call of op: the least over windows of calls calls, up to 20 of them,
     * stopping at the first below the bound (the first windows may still run interpreted or in
     * C1 code, and the JIT's own transitions allocate; a call that allocates does in every window).
     */
    private static double bytesPerCall(Runnable op, int calls) {
        long t = Thread.currentThread().threadId();
        double least = Double.POSITIVE_INFINITY;
        for (int w = 0; w < 20 && least >= BOUND; w++) {
            long before = THREADS.getThreadAllocatedBytes(t);
            for (int i = 0; i < calls; i++) op.run();
            least = Math.min(least, (double) (THREADS.getThreadAllocatedBytes(t) - before) / calls);
        }
        return least;
    }

    /** Below one 16-byte object per call. */
    private static final double BOUND = 8;

    /**
     * Prints "ok" when no call allocates, else each call that does, and exits 1.
     *
     * @param args none or "sums" (sums and means), "dots", "variances" or "extrema" (min and max)
     */
    public static void main(String[] args) {
        String what = args.length > 0 ? args[0] : "sums";
        boolean dots = what.equals("dots"), variances = what.equals("variances"), extrema = what.equals("extrema");
        if (!THREADS.isThreadAllocatedMemorySupported() || !THREADS.isThreadAllocatedMemoryEnabled()) {
            System.out.println("this JVM cannot count allocated bytes per thread");
            System.exit(2);
        }
        StringBuilder failures = new StringBuilder();
        // The order matters: whether the JIT keeps a kernel's vectors out of the heap depends on
        // the profile it compiled from. A fast sum of 4097 doubles (a last block shorter than a
        // vector) allocated 384 B per call after the sizes before it here, and nothing when the
        // JVM began with sums of 1 to 7.
        for (int n : new int[] {16, 4096, 4097, 4103, 6000, 8192, 32 * 4096, 1, 7, 31}) {
            F64Array x = F64Array.allocate(n);
            F32Array f = F32Array.allocate(n);
            F64Array y = F64Array.allocate(n);
            for (int i = 0; i < n; i++) {
                x.set(i, Math.sin(i));
                f.set(i, (float) Math.cos(i));
                y.set(i, Math.cos(i));
            }
            int calls = Math.max(1_000, 4_000_000 / n);
            // Variances leave the Vector API kernels out, for the JIT's sake: in a JVM that runs
            // all three implementations, the vector variance of 31 elements allocated 2,016 B per
            // call in 4 JVMs of 6, and in some every vector variance after it (86 KB per call at
            // 2^17): compiled code whose vector operations were not intrinsics (open, on the issue).
            Implementation[] impls = dots ? new Implementation[] {Implementation.SCALAR}
                    : variances || extrema ? new Implementation[] {Implementation.NATIVE, Implementation.SCALAR}
                    : new Implementation[] {Implementation.NATIVE, Implementation.VECTOR, Implementation.SCALAR};
            String[] names = dots ? new String[] {"dot f64", "dot f32"}
                    : variances ? new String[] {"variance f64", "variance f32"}
                    : extrema ? new String[] {"min f64", "max f64", "min f32"} : new String[] {"sum f64", "sum f32", "mean f64"};
            for (Implementation impl : impls) {
                for (SumMode mode : SumMode.values()) {
                    Kernels k = Kernels.using(impl).withMode(mode).withThreads(1);
                    double[] sink = new double[1];
                    double[] bytes = dots ? new double[] {
                        bytesPerCall(() -> sink[0] += k.dot(x, y), calls),
                        bytesPerCall(() -> sink[0] += k.dot(f, f), calls),
                    } : variances ? new double[] {
                        bytesPerCall(() -> sink[0] += k.variance(x), calls),
                        bytesPerCall(() -> sink[0] += k.variance(f), calls),
                    } : extrema ? new double[] {
                        bytesPerCall(() -> sink[0] += k.min(x), calls),
                        bytesPerCall(() -> sink[0] += k.max(x), calls),
                        bytesPerCall(() -> sink[0] += k.min(f), calls),
                    } : new double[] {
                        bytesPerCall(() -> sink[0] += k.sum(x), calls),
                        bytesPerCall(() -> sink[0] += k.sum(f), calls),
                        bytesPerCall(() -> sink[0] += k.mean(x), calls),
                    };
                    for (int i = 0; i < bytes.length; i++) {
                        if (bytes[i] >= BOUND) {
                            failures.append(String.format("%n%s %s %s n=%d: %.1f bytes per call", impl, mode, names[i], n, bytes[i]));
                        }
                    }
                }
            }
        }
        System.out.println(failures.isEmpty() ? "ok" : "calls that allocate:" + failures);
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
