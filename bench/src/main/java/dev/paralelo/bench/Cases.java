package dev.paralelo.bench;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.Implementation;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.SliceOp;
import dev.paralelo.SumMode;
import dev.paralelo.kernel.NativeKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Every (kernel, dtype, n, implementation) the benchmarks measure, as a {@link DoubleSupplier}
 * that runs the kernel once and returns something derived from its result (so it cannot be
 * optimised away). The quick report and the JMH suite both measure these same suppliers, and
 * {@link #make} checks each one's result once against an exact or straightforward reference.
 */
public final class Cases {
    private Cases() {}

    /** Implementation names used in the JSON. */
    public static final String PARALELO = "paralelo", FAST = "paralelo-fast", JAVA = "paralelo-scalar",
            PVECTOR = "paralelo-vector", PVECTOR_FAST = "paralelo-vector-fast",
            LOOP = "java-loop", SEGMENT = "java-segment-loop", STREAM = "java-stream",
            PARALLEL_STREAM = "java-parallel-stream", VECTOR = "java-vector", NUMPY = "numpy", PROBE = "c-probe",
            TWOSUM = "c-twosum", PROBE_BESIDE = "c-probe-beside";

    /** The pure-Java implementations a "best pure Java" ratio may come from. */
    public static final String[] PURE_JAVA = {JAVA, LOOP, SEGMENT, STREAM, PARALLEL_STREAM, VECTOR};

    /** A runnable measurement: op runs the kernel once; bytes is the input size it reads. */
    public record Case(String kernel, DType dtype, int n, String impl, int threads, long bytes, DoubleSupplier op) {}

    /** Inputs shared by every case of one (dtype, n): heap and off-heap copies of the same values. */
    static final class Inputs {
        final int n;
        final double[] d, d2;
        final float[] f, f2;
        final int[] i;
        final long[] l;
        final NumArray x, y, out;
        final long[] offsets;
        final I64Array offsetsArray;

        Inputs(DType t, int n) {
            this.n = n;
            SplittableRandom r = new SplittableRandom(1234 + n);
            d = t == DType.F64 ? new double[n] : null;
            d2 = t == DType.F64 ? new double[n] : null;
            f = t == DType.F32 ? new float[n] : null;
            f2 = t == DType.F32 ? new float[n] : null;
            i = t == DType.I32 ? new int[n] : null;
            l = t == DType.I64 ? new long[n] : null;
            for (int k = 0; k < n; k++) {
                double a = r.nextDouble(), b = r.nextDouble();
                if (d != null) {
                    d[k] = a;
                    d2[k] = b;
                } else if (f != null) {
                    f[k] = (float) a;
                    f2[k] = (float) b;
                } else if (i != null) {
                    i[k] = r.nextInt(-1_000_000, 1_000_000);
                } else {
                    l[k] = r.nextLong(-1_000_000_000_000L, 1_000_000_000_000L);
                }
            }
            switch (t) {
                case F64 -> {
                    x = F64Array.of(d);
                    y = F64Array.of(d2);
                    out = F64Array.allocate(n);
                }
                case F32 -> {
                    x = F32Array.of(f);
                    y = F32Array.of(f2);
                    out = F32Array.allocate(n);
                }
                case I64 -> {
                    x = I64Array.of(l);
                    y = I64Array.of(l);
                    out = I64Array.allocate(n);
                }
                default -> {
                    x = I32Array.of(i);
                    y = I32Array.of(i);
                    out = I32Array.allocate(n);
                }
            }
            // Ragged slices of 1 to 127 elements (64 on average), as reduceat offsets.
            long[] offs = new long[Math.max(1, n / 64)];
            long pos = 0;
            int m = 0;
            while (m < offs.length && pos < n) {
                offs[m++] = pos;
                pos += 1 + r.nextInt(127);
            }
            offsets = Arrays.copyOf(offs, Math.max(1, m));
            offsetsArray = I64Array.of(offsets);
        }
    }

    private static final Map<String, Inputs> INPUTS = new HashMap<>();

    /** Inputs for (dtype, n), created once; only the most recent size is kept to bound memory. */
    static synchronized Inputs inputs(DType t, int n) {
        String key = t + ":" + n;
        Inputs in = INPUTS.get(key);
        if (in == null) {
            INPUTS.clear();
            in = new Inputs(t, n);
            INPUTS.put(key, in);
        }
        return in;
    }

    static final int CORES = Runtime.getRuntime().availableProcessors();

    /** The case, or null when impl does not implement kernel for dtype. Checks the result once. */
    public static Case make(String kernel, DType t, int n, String impl, int threads) {
        Inputs in = inputs(t, n);
        DoubleSupplier op = build(kernel, t, in, impl, threads);
        if (op == null) return null;
        if (impl.equals(VECTOR) && n > PREWARM_N) prewarm(build(kernel, t, new Inputs(t, PREWARM_N), impl, threads));
        long bytes = (long) n * t.size() * (kernel.equals("dot") || kernel.equals("add") ? 2 : 1);
        Case c = new Case(kernel, t, n, impl, threads, bytes, op);
        check(c, in);
        return c;
    }

    /** The size and number of calls with which a java-vector peer is warmed up before a larger case. */
    static final int PREWARM_N = 1024, PREWARM_CALLS = 20_000;

    /**
     * Calls a java-vector peer on a small input PREWARM_CALLS times, so that C2 compiles its loop
     * before the harness times it on a large one. A peer first met at a large size runs a few
     * hundred calls at most in its warm-up, and the harness can settle on C1's code, whose vectors
     * are objects: the f32 peer measured 0.06 GB/s at 2^17 in one report (less than the plain loop's
     * 6.6 in another; C2 compiled it 4.6 s later, during the 2^24 case), against about 200 in a
     * JVM that ran it alone. Each peer is one static method for every size, so this is its steady
     * state, which JMH measures too.
     */
    private static void prewarm(DoubleSupplier small) {
        if (small == null) return;
        for (int i = 0; i < PREWARM_CALLS; i++) Harness.sink += small.getAsDouble();
    }

    private static Kernels paralelo(String impl, int threads) {
        Kernels k = impl.equals(JAVA) ? Kernels.using(Implementation.SCALAR)
                : impl.startsWith(PVECTOR) ? Kernels.using(Implementation.VECTOR) : Kernels.defaults();
        if (impl.equals(FAST) || impl.equals(PVECTOR_FAST)) k = k.withMode(SumMode.FAST);
        return k.withThreads(threads);
    }

    private static DoubleSupplier build(String kernel, DType t, Inputs in, String impl, int threads) {
        if (impl.startsWith("paralelo")) {
            boolean fast = impl.endsWith("-fast");
            Kernels k = paralelo(impl, threads);
            NumArray x = in.x, y = in.y, out = in.out;
            return switch (kernel) {
                case "sum" -> switch (t) {
                    case F64 -> () -> k.sum((F64Array) x);
                    case F32 -> () -> k.sum((F32Array) x);
                    case I64 -> () -> k.sum((I64Array) x);
                    case I32 -> () -> k.sum((I32Array) x);
                };
                case "mean" -> () -> k.mean(x);
                case "variance" -> () -> k.variance(x);
                case "dot" -> () -> k.dot(x, y);
                case "min" -> fast ? null : t == DType.F64 ? () -> k.min((F64Array) x) : t == DType.F32 ? () -> k.min((F32Array) x) : null;
                case "add" -> fast ? null : () -> {
                    k.add(x, y, out);
                    return out.segment().get(ValueLayout.JAVA_BYTE, 0);
                };
                case "ragged-sum" -> fast || !t.isFloat() ? null : raggedParalelo(k, x, in);
                default -> kernel.startsWith("slice-sum-") && !fast && t.isFloat() ? sliceParalelo(k, x, Integer.parseInt(kernel.substring(10))) : null;
            };
        }
        if (t == DType.F64) return javaF64(kernel, in, impl);
        if (t == DType.F32) return javaF32(kernel, in, impl);
        if (!kernel.equals("sum")) return null;
        return t == DType.I32 ? javaI32Sum(in, impl) : javaI64Sum(in, impl);
    }

    private static DoubleSupplier sliceParalelo(Kernels k, NumArray x, int kk) {
        F64Array out = F64Array.allocate((x.length() + kk - 1) / kk);
        return () -> {
            k.reduceSlices(SliceOp.SUM, x, kk, out);
            return out.get(0);
        };
    }

    private static DoubleSupplier raggedParalelo(Kernels k, NumArray x, Inputs in) {
        F64Array out = F64Array.allocate(in.offsets.length);
        return () -> {
            k.reduceAt(SliceOp.SUM, x, in.offsetsArray, out);
            return out.get(0);
        };
    }

    // ---- plain Java -------------------------------------------------------------------------

    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    private static DoubleSupplier javaF64(String kernel, Inputs in, String impl) {
        double[] a = in.d, b = in.d2;
        MemorySegment seg = in.x.segment();
        int n = in.n;
        return switch (impl + ":" + kernel) {
            case "java-loop:sum" -> () -> loopSum(a);
            case "java-loop:mean" -> () -> loopSum(a) / n;
            case "java-loop:variance" -> () -> {
                double m = loopSum(a) / n, s = 0;
                for (double v : a) s += (v - m) * (v - m);
                return s / n;
            };
            case "java-loop:dot" -> () -> {
                double s = 0;
                for (int i = 0; i < n; i++) s += a[i] * b[i];
                return s;
            };
            case "java-loop:min" -> () -> {
                double m = Double.POSITIVE_INFINITY;
                for (double v : a) m = Math.min(m, v);
                return m;
            };
            case "java-loop:add" -> {
                double[] c = new double[n];
                yield () -> {
                    for (int i = 0; i < n; i++) c[i] = a[i] + b[i];
                    return c[0];
                };
            }
            case "java-loop:ragged-sum" -> {
                double[] out = new double[in.offsets.length];
                long[] off = in.offsets;
                yield () -> {
                    for (int j = 0; j < off.length; j++) {
                        int e = j + 1 < off.length ? (int) off[j + 1] : n;
                        double s = 0;
                        for (int i = (int) off[j]; i < e; i++) s += a[i];
                        out[j] = s;
                    }
                    return out[0];
                };
            }
            case "java-segment-loop:sum" -> () -> {
                double s = 0;
                for (long i = 0; i < n; i++) s += seg.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
                return s;
            };
            case "java-stream:sum" -> () -> Arrays.stream(a).sum();
            case "java-stream:mean" -> () -> Arrays.stream(a).average().orElse(Double.NaN);
            case "java-stream:min" -> () -> Arrays.stream(a).min().orElse(Double.NaN);
            case "java-parallel-stream:sum" -> () -> Arrays.stream(a).parallel().sum();
            case "java-vector:sum" -> () -> vectorSum(a);
            case "java-vector:mean" -> () -> vectorSum(a) / n;
            case "java-vector:dot" -> () -> vectorDot(a, b);
            case "java-vector:min" -> () -> vectorMin(a);
            case "java-vector:add" -> {
                double[] c = new double[n];
                yield () -> {
                    int i = 0;
                    for (; i < DS.loopBound(n); i += DS.length()) {
                        DoubleVector.fromArray(DS, a, i).add(DoubleVector.fromArray(DS, b, i)).intoArray(c, i);
                    }
                    for (; i < n; i++) c[i] = a[i] + b[i];
                    return c[0];
                };
            }
            default -> kernel.startsWith("slice-sum-") && impl.equals(LOOP) ? loopSlices(a, Integer.parseInt(kernel.substring(10))) : null;
        };
    }

    private static DoubleSupplier loopSlices(double[] a, int k) {
        double[] out = new double[(a.length + k - 1) / k];
        return () -> {
            for (int j = 0; j < out.length; j++) {
                double s = 0;
                for (int i = j * k, e = Math.min(a.length, i + k); i < e; i++) s += a[i];
                out[j] = s;
            }
            return out[0];
        };
    }

    static double loopSum(double[] a) {
        double s = 0;
        for (double v : a) s += v;
        return s;
    }

    /** Four vector accumulators, as a careful Java programmer would write it. */
    static double vectorSum(double[] a) {
        DoubleVector s0 = DoubleVector.zero(DS), s1 = s0, s2 = s0, s3 = s0;
        int i = 0, w = DS.length(), bound = a.length - 4 * w;
        for (; i <= bound; i += 4 * w) {
            s0 = s0.add(DoubleVector.fromArray(DS, a, i));
            s1 = s1.add(DoubleVector.fromArray(DS, a, i + w));
            s2 = s2.add(DoubleVector.fromArray(DS, a, i + 2 * w));
            s3 = s3.add(DoubleVector.fromArray(DS, a, i + 3 * w));
        }
        double s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < a.length; i++) s += a[i];
        return s;
    }

    static double vectorDot(double[] a, double[] b) {
        DoubleVector s0 = DoubleVector.zero(DS), s1 = s0, s2 = s0, s3 = s0;
        int i = 0, w = DS.length(), bound = a.length - 4 * w;
        for (; i <= bound; i += 4 * w) {
            s0 = DoubleVector.fromArray(DS, a, i).fma(DoubleVector.fromArray(DS, b, i), s0);
            s1 = DoubleVector.fromArray(DS, a, i + w).fma(DoubleVector.fromArray(DS, b, i + w), s1);
            s2 = DoubleVector.fromArray(DS, a, i + 2 * w).fma(DoubleVector.fromArray(DS, b, i + 2 * w), s2);
            s3 = DoubleVector.fromArray(DS, a, i + 3 * w).fma(DoubleVector.fromArray(DS, b, i + 3 * w), s3);
        }
        double s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double vectorMin(double[] a) {
        DoubleVector m0 = DoubleVector.broadcast(DS, Double.POSITIVE_INFINITY), m1 = m0;
        int i = 0, w = DS.length(), bound = a.length - 2 * w;
        for (; i <= bound; i += 2 * w) {
            m0 = m0.min(DoubleVector.fromArray(DS, a, i));
            m1 = m1.min(DoubleVector.fromArray(DS, a, i + w));
        }
        double m = m0.min(m1).reduceLanes(VectorOperators.MIN);
        for (; i < a.length; i++) m = Math.min(m, a[i]);
        return m;
    }

    private static DoubleSupplier javaF32(String kernel, Inputs in, String impl) {
        float[] a = in.f;
        MemorySegment seg = in.x.segment();
        int n = in.n;
        if (!kernel.equals("sum")) return null;
        return switch (impl) {
            case LOOP -> () -> {
                double s = 0; // a double accumulator: a float one loses most digits at these sizes
                for (float v : a) s += v;
                return s;
            };
            case SEGMENT -> () -> {
                double s = 0;
                for (long i = 0; i < n; i++) s += seg.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                return s;
            };
            case VECTOR -> () -> vectorSumF32(a);
            default -> null;
        };
    }

    /**
     * Four float vector accumulators, widened to double at the end. A method of its own (not a
     * lambda body): C2 then compiles it with the vectors in registers; inlined into the
     * supplier's lambda it fell back to boxed vector objects (0.07 GB/s).
     */
    static double vectorSumF32(float[] a) {
        FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
        int i = 0, w = FS.length(), bound = a.length - 4 * w;
        for (; i <= bound; i += 4 * w) {
            s0 = s0.add(FloatVector.fromArray(FS, a, i));
            s1 = s1.add(FloatVector.fromArray(FS, a, i + w));
            s2 = s2.add(FloatVector.fromArray(FS, a, i + 2 * w));
            s3 = s3.add(FloatVector.fromArray(FS, a, i + 3 * w));
        }
        double s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < a.length; i++) s += a[i];
        return s;
    }

    private static DoubleSupplier javaI64Sum(Inputs in, String impl) {
        long[] a = in.l;
        MemorySegment seg = in.x.segment();
        int n = in.n;
        return switch (impl) {
            case LOOP -> () -> {
                long s = 0;
                for (long v : a) s += v;
                return s;
            };
            case SEGMENT -> () -> {
                long s = 0;
                for (long i = 0; i < n; i++) s += seg.getAtIndex(ValueLayout.JAVA_LONG, i);
                return s;
            };
            case STREAM -> () -> Arrays.stream(a).sum();
            case PARALLEL_STREAM -> () -> Arrays.stream(a).parallel().sum();
            case VECTOR -> () -> vectorSumI64(a);
            default -> null;
        };
    }

    static double vectorSumI64(long[] a) {
        VectorSpecies<Long> ls = LongVector.SPECIES_PREFERRED;
        LongVector s0 = LongVector.zero(ls), s1 = s0;
        int i = 0, w = ls.length(), bound = a.length - 2 * w;
        for (; i <= bound; i += 2 * w) {
            s0 = s0.add(LongVector.fromArray(ls, a, i));
            s1 = s1.add(LongVector.fromArray(ls, a, i + w));
        }
        long s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < a.length; i++) s += a[i];
        return s;
    }

    private static DoubleSupplier javaI32Sum(Inputs in, String impl) {
        int[] a = in.i;
        MemorySegment seg = in.x.segment();
        int n = in.n;
        return switch (impl) {
            case LOOP -> () -> {
                long s = 0;
                for (int v : a) s += v;
                return s;
            };
            case SEGMENT -> () -> {
                long s = 0;
                for (long i = 0; i < n; i++) s += seg.getAtIndex(ValueLayout.JAVA_INT, i);
                return s;
            };
            case STREAM -> () -> Arrays.stream(a).asLongStream().sum();
            case PARALLEL_STREAM -> () -> Arrays.stream(a).parallel().asLongStream().sum();
            // No java-vector for i32: widening int lanes to long (convertShape) is not
            // intrinsified in JDK 25 and runs about 1000x slower than a loop, which says
            // nothing about Java's best.
            default -> null;
        };
    }

    // ---- the once-per-case result check --------------------------------------------------------

    private static double exactish(Inputs in, String kernel) {
        Kernels ref = Kernels.using(Implementation.SCALAR);
        NumArray x = in.x;
        return switch (kernel) {
            case "sum" -> x instanceof I32Array ia ? ref.sum(ia) : x instanceof I64Array la ? ref.sum(la)
                    : x instanceof F32Array fa ? ref.sum(fa) : ref.sum((F64Array) x);
            case "mean" -> ref.mean(x);
            case "variance" -> ref.variance(x);
            case "dot" -> ref.dot(x, in.y);
            case "min" -> x instanceof F32Array fa ? ref.min(fa) : ref.min((F64Array) x);
            default -> Double.NaN;
        };
    }

    private static void check(Case c, Inputs in) {
        double got = c.op.getAsDouble();
        String what = c.impl + " " + c.kernel + " " + c.dtype.label() + " n=" + c.n;
        switch (c.kernel) {
            case "sum", "mean", "variance", "dot", "min" -> {
                double want = exactish(in, c.kernel);
                double tol = (c.dtype == DType.F32 ? 1e-4 : 1e-9) * Math.abs(want); // f32 lanes in float drift
                if (!(Math.abs(got - want) <= tol)) throw new IllegalStateException(what + " = " + got + ", reference " + want);
            }
            case "add" -> {
                double want = c.dtype == DType.F64 ? in.d[0] + in.d2[0] : c.dtype == DType.F32 ? (double) (in.f[0] + in.f2[0]) : 0;
                if (c.dtype.isFloat() && !c.impl.startsWith("paralelo") && got != want) {
                    throw new IllegalStateException(what + ": out[0] = " + got + ", want " + want);
                }
            }
            default -> { // slices: the first slice's sum
                if (c.dtype != DType.F64) break;
                int e = c.kernel.equals("ragged-sum") ? (in.offsets.length > 1 ? (int) in.offsets[1] : c.n)
                        : Math.min(c.n, Integer.parseInt(c.kernel.substring(10)));
                double want = 0;
                for (int i = 0; i < e; i++) want += in.d[i];
                if (!(Math.abs(got - want) <= 1e-9 * Math.abs(want))) throw new IllegalStateException(what + " = " + got + ", want " + want);
            }
        }
    }

    /** The bandwidth probe on the same bytes (read as doubles), the machine's ceiling. */
    public static Case probe(DType t, int n, int threads) {
        Inputs in = inputs(t, n);
        MemorySegment seg = in.x.segment();
        long doubles = seg.byteSize() / 8;
        return new Case("read", t, n, PROBE, threads, seg.byteSize(), () -> NativeKernels.probeRead(seg, doubles, threads));
    }

    /** The TwoSum ceiling of accurate mode on the same f64 data: a kernel "sum" row, impl c-twosum. */
    public static Case twoSum(int n, int threads) {
        Inputs in = inputs(DType.F64, n);
        MemorySegment seg = in.x.segment();
        return new Case("sum", DType.F64, n, TWOSUM, threads, seg.byteSize(), () -> NativeKernels.probeTwoSum(seg, n, threads));
    }
}
