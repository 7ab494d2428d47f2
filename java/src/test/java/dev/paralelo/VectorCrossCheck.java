package dev.paralelo;

import java.util.SplittableRandom;

/**
 * A child-JVM entry point for {@link VectorWidthTest}: random cases, each computed by the Vector
 * API kernels (at the JVM's preferred width, set by -XX:MaxVectorSize), the scalar Java kernels
 * and the native ones, compared bit for bit. Prints "WIDTH CASES" and exits 0, or prints the
 * first difference and exits 1.
 */
public final class VectorCrossCheck {
    private VectorCrossCheck() {}

    private static final double[] SPECIAL = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0,
        Double.MIN_VALUE, -Double.MIN_VALUE, 0x1p-1022, Double.MAX_VALUE, -Double.MAX_VALUE, 0x1.fffffffffffffp1022};

    /** Random size: mostly small, sometimes up to 100,000. */
    private static int size(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(64);
            case 1 -> r.nextInt(5000);
            case 2 -> 4096 * r.nextInt(1, 5) + r.nextInt(-3, 4);
            default -> r.nextInt(100_001);
        };
    }

    private static double value(SplittableRandom r, boolean specials) {
        if (specials && r.nextInt(200) == 0) return SPECIAL[r.nextInt(SPECIAL.length)];
        return switch (r.nextInt(5)) {
            case 0 -> r.nextDouble(-1, 1);
            case 1 -> (r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextDouble(-300, 300));
            case 2 -> 0.0; // zero factors, which are no tiny products
            case 3 -> (r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(), r.nextInt(-1075, 1024)); // subnormal to near MAX
            default -> r.nextInt(-1000, 1000);
        };
    }

    private static void same(String what, double a, double b, double c) {
        long x = Double.doubleToRawLongBits(a), y = Double.doubleToRawLongBits(b), z = Double.doubleToRawLongBits(c);
        boolean nan = Double.isNaN(a) && Double.isNaN(b) && Double.isNaN(c);
        if (!nan && (x != y || y != z)) {
            System.out.println("DIFF " + what + ": vector " + a + " scalar " + b + " native " + c);
            System.exit(1);
        }
    }

    /** Runs `cases` random cases with seed args[1]. */
    public static void main(String[] args) {
        int cases = Integer.parseInt(args[0]);
        SplittableRandom r = new SplittableRandom(Long.parseLong(args[1]));
        Kernels vec = Kernels.using(Implementation.VECTOR), sca = Kernels.using(Implementation.SCALAR),
                nat = Kernels.using(Implementation.NATIVE);
        for (int c = 0; c < cases; c++) {
            int n = size(r), off = r.nextInt(9);
            boolean specials = r.nextInt(3) == 0;
            double[] v = new double[n + off], w = new double[n + off];
            for (int i = 0; i < v.length; i++) {
                v[i] = value(r, specials);
                w[i] = value(r, specials);
            }
            SumMode mode = r.nextBoolean() ? SumMode.ACCURATE : SumMode.FAST;
            int threads = 1 + r.nextInt(3);
            Kernels kv = vec.withMode(mode).withThreads(threads), ks = sca.withMode(mode), kn = nat.withMode(mode).withThreads(threads);
            if (r.nextInt(4) == 0) { // integer arrays: i32 and i64 sums and dots have vector kernels too
                integers(r, n, off, c, kv, ks, kn);
                continue;
            }
            boolean f32 = r.nextBoolean(); // f32 has vector kernels of its own
            NumArray x, y;
            if (f32) {
                x = Data.f32(v).slice(off, off + n);
                y = Data.f32(w).slice(off, off + n);
            } else {
                x = F64Array.of(v).slice(off, off + n); // views starting at unaligned elements
                y = F64Array.of(w).slice(off, off + n);
            }
            String tag = "case " + c + " n=" + n + " off=" + off + " " + mode + (f32 ? " f32" : " f64");
            same("sum " + tag, sum(kv, x), sum(ks, x), sum(kn, x));
            same("mean " + tag, kv.mean(x), ks.mean(x), kn.mean(x));
            same("dot " + tag, kv.dot(x, y), ks.dot(x, y), kn.dot(x, y));
            same("var " + tag, kv.variance(x, 1), ks.variance(x, 1), kn.variance(x, 1));
            if (n > 0) {
                same("min " + tag, min(kv, x), min(ks, x), min(kn, x));
                same("max " + tag, max(kv, x), max(ks, x), max(kn, x));
                same("argmax " + tag, kv.argmax(x), ks.argmax(x), kn.argmax(x));
                long k = 1 + r.nextInt(Math.max(1, Math.min(n, 9000)));
                F64Array ov = F64Array.allocate((n + k - 1) / k), os = F64Array.allocate(ov.length()), on = F64Array.allocate(ov.length());
                kv.reduceSlices(SliceOp.SUM, x, k, ov);
                ks.reduceSlices(SliceOp.SUM, x, k, os);
                kn.reduceSlices(SliceOp.SUM, x, k, on);
                for (long j = 0; j < ov.length(); j++) same("slice " + j + " k=" + k + " " + tag, ov.get(j), os.get(j), on.get(j));
                if (!f32) {
                    F64Array ev = F64Array.allocate(n), es = F64Array.allocate(n), en = F64Array.allocate(n);
                    double alpha = value(r, false);
                    kv.add(x, y, ev);
                    ks.add(x, y, es);
                    kn.add(x, y, en);
                    kv.axpy(alpha, x, ev);
                    ks.axpy(alpha, x, es);
                    kn.axpy(alpha, x, en);
                    for (long i = 0; i < n; i += 1 + n / 64) same("axpy[" + i + "] " + tag, ev.get(i), es.get(i), en.get(i));
                }
            }
        }
        System.out.println(jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED.vectorBitSize() + " " + cases);
    }

    /** An i32 or i64 case: sums and dots exactly (or the same overflow), means and variances to the bit. */
    private static void integers(SplittableRandom r, int n, int off, int c, Kernels kv, Kernels ks, Kernels kn) {
        boolean i32 = r.nextBoolean();
        int bits = r.nextInt(4) == 0 ? 64 : r.nextInt(1, 40); // sometimes full-range values, which overflow a long sum
        long[] v = new long[n + off], w = new long[n + off];
        for (int i = 0; i < v.length; i++) {
            v[i] = bits == 64 ? r.nextLong() : r.nextLong(-(1L << bits), 1L << bits);
            w[i] = bits == 64 ? r.nextLong() : r.nextLong(-(1L << bits), 1L << bits);
            if (i32) {
                v[i] = (int) v[i];
                w[i] = (int) w[i];
            }
        }
        String tag = "case " + c + " n=" + n + " off=" + off + (i32 ? " i32" : " i64") + " bits=" + bits;
        NumArray x, y;
        if (i32) {
            int[] a = new int[v.length], b = new int[w.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = (int) v[i];
                b[i] = (int) w[i];
            }
            x = I32Array.of(a).slice(off, off + n);
            y = I32Array.of(b).slice(off, off + n);
        } else {
            x = I64Array.of(v).slice(off, off + n);
            y = I64Array.of(w).slice(off, off + n);
        }
        sameLong("sum " + tag, () -> x instanceof I32Array a ? kv.sum(a) : kv.sum((I64Array) x),
                () -> x instanceof I32Array a ? ks.sum(a) : ks.sum((I64Array) x), () -> x instanceof I32Array a ? kn.sum(a) : kn.sum((I64Array) x));
        sameLong("dot " + tag, () -> x instanceof I32Array a ? kv.dot(a, (I32Array) y) : kv.dot((I64Array) x, (I64Array) y),
                () -> x instanceof I32Array a ? ks.dot(a, (I32Array) y) : ks.dot((I64Array) x, (I64Array) y),
                () -> x instanceof I32Array a ? kn.dot(a, (I32Array) y) : kn.dot((I64Array) x, (I64Array) y));
        same("mean " + tag, kv.mean(x), ks.mean(x), kn.mean(x));
        same("var " + tag, kv.variance(x, 1), ks.variance(x, 1), kn.variance(x, 1));
    }

    /** Three exact integer results, or the same exception class from all three. */
    private static void sameLong(String what, java.util.function.LongSupplier a, java.util.function.LongSupplier b,
            java.util.function.LongSupplier c) {
        String[] got = new String[3];
        java.util.function.LongSupplier[] ops = {a, b, c};
        for (int i = 0; i < 3; i++) {
            try {
                got[i] = Long.toString(ops[i].getAsLong());
            } catch (ArithmeticException e) {
                got[i] = "ArithmeticException";
            }
        }
        if (!got[0].equals(got[1]) || !got[1].equals(got[2])) {
            System.out.println("DIFF " + what + ": vector " + got[0] + " scalar " + got[1] + " native " + got[2]);
            System.exit(1);
        }
    }

    private static double sum(Kernels k, NumArray x) {
        return x instanceof F64Array f ? k.sum(f) : k.sum((F32Array) x);
    }

    private static double min(Kernels k, NumArray x) {
        return x instanceof F64Array f ? k.min(f) : k.min((F32Array) x);
    }

    private static double max(Kernels k, NumArray x) {
        return x instanceof F64Array f ? k.max(f) : k.max((F32Array) x);
    }
}
