package dev.paralelo.mpi;

import dev.paralelo.DType;
import dev.paralelo.ExactSum;
import dev.paralelo.Extremum;
import dev.paralelo.F64Array;
import dev.paralelo.IntegerSum;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.Partial;
import dev.paralelo.Reduction;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One MPI rank, started by the tests through {@link Mpirun}. Modes:
 * <ul>
 *   <li>{@code reduce DIR}: for every pair a_*.npy, b_*.npy in DIR, maps this rank's part of
 *       each and prints (rank 0) every distributed result as {@link #lines} formats them;</li>
 *   <li>{@code errors}: MPI errors and misuse, one line "ok WHAT" per check that passed;</li>
 *   <li>{@code loop}: prints "pid RANK PID", then allreduces until killed.</li>
 * </ul>
 */
public final class Rank {
    private Rank() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        Mpi mpi = Mpi.init();
        try {
            switch (args[0]) {
                case "reduce" -> reduce(mpi, Path.of(args[1]), out);
                case "errors" -> errors(mpi, out);
                case "loop" -> loop(mpi, out);
                default -> throw new IllegalArgumentException(args[0]);
            }
        } catch (Throwable e) {
            // This rank failed alone: end the job rather than wait in MPI_Finalize for ranks that wait for it.
            e.printStackTrace(out);
            out.flush();
            mpi.abort(3);
        }
        out.flush();
        mpi.close();
    }

    static List<Path> pairs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("a_")).sorted().toList();
        }
    }

    private static void reduce(Mpi mpi, Path dir, PrintStream out) throws IOException {
        Distributed d = new Distributed(mpi);
        List<String> all = new ArrayList<>();
        for (Path a : pairs(dir)) {
            Path b = a.resolveSibling("b_" + a.getFileName().toString().substring(2));
            try (SharedArray x = SharedArray.openPart(a, null, mpi.size(), mpi.rank());
                    SharedArray y = SharedArray.openPart(b, null, mpi.size(), mpi.rank())) {
                dev.paralelo.BlockRange mine = dev.paralelo.BlockPartition.of(x.fileLength(), mpi.size()).get(mpi.rank());
                if (x.partStart() != mine.start() || x.array().length() != mine.length()) {
                    throw new AssertionError("rank " + mpi.rank() + " mapped " + x.array().length() + " elements at " + x.partStart()
                            + " of " + a + ", not its part " + mine);
                }
                Distributed.Part px = Distributed.Part.of(x), py = Distributed.Part.of(y);
                all.addAll(lines(a.getFileName().toString(), x.array().dtype(), px.length(), d.partial(Reduction.SUM, px),
                        d.mean(px), (Extremum) d.partial(Reduction.MIN, px), (Extremum) d.partial(Reduction.MAX, px),
                        d.variance(px, 0), d.variance(px, 1), d.dot(px, py)));
                all.add(a.getFileName() + " min, max " + extremes(() -> d.min(px), () -> d.max(px)));
            }
        }
        if (mpi.rank() == 0) all.forEach(out::println);
    }

    /** The results of one array in a form that compares bits: doubles as their raw bits. */
    static List<String> lines(String name, DType t, long n, Partial sum, double mean, Extremum min, Extremum max, double var0,
            double var1, Partial dot) {
        List<String> l = new ArrayList<>();
        l.add(name + " sum " + value(sum));
        l.add(name + " mean " + bits(mean));
        l.add(name + " min " + extreme(min, t));
        l.add(name + " max " + extreme(max, t));
        l.add(name + " var0 " + bits(var0));
        l.add(name + " var1 " + bits(var1));
        l.add(name + " dot " + value(dot));
        l.add(name + " count " + n);
        return l;
    }

    /** The two values' bits, or what an empty array gives: the exception, on every rank. */
    static String extremes(java.util.function.DoubleSupplier min, java.util.function.DoubleSupplier max) {
        try {
            return bits(min.getAsDouble()) + ", " + bits(max.getAsDouble());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    static String bits(double v) {
        return Long.toHexString(Double.doubleToRawLongBits(v)) + " (" + v + ")";
    }

    static String value(Partial p) {
        return switch (p) {
            case ExactSum s -> bits(s.round());
            case IntegerSum s -> s.toBigInteger().toString();
            default -> throw new AssertionError(p);
        };
    }

    static String extreme(Extremum e, DType t) {
        if (e.isEmpty()) return "empty";
        return (t.isFloat() ? bits(e.doubleValue()) : Long.toString(e.longValue())) + " at " + e.index();
    }

    private static void errors(Mpi mpi, PrintStream out) throws Exception {
        F64Array x = F64Array.of(mpi.rank());
        try {
            mpi.bcast(x, mpi.size()); // no such rank: MPI's own error, returned, not an abort
            out.println("FAIL bcast to a missing root returned");
        } catch (MpiException e) {
            if (e.isMpiError() && e.getMessage().contains("MPI_ERR_ROOT") && e.call().equals("pl_mpi_bcast")) {
                out.println("ok MPI error: " + e.getMessage());
            } else {
                out.println("FAIL " + e);
            }
        }
        // Min states on even ranks, max states on odd ones: refused on every rank.
        Kernels k = Kernels.defaults();
        Partial p = k.partial(mpi.rank() % 2 == 0 ? Reduction.MIN : Reduction.MAX, x);
        try {
            mpi.allreduce(p);
            out.println(mpi.size() > 1 ? "FAIL mismatched states merged" : "ok one rank merges alone");
        } catch (MpiException e) {
            out.println(e.status() == dev.paralelo.internal.ffi.ParaleloLib.PL_E_MISMATCH && !e.isMpiError()
                    ? "ok mismatch: " + e.getMessage() : "FAIL " + e);
        }
        try {
            Mpi.init();
            out.println("FAIL init twice");
        } catch (IllegalStateException e) {
            out.println("ok init twice: " + e.getMessage());
        }
        Throwable[] other = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                mpi.barrier();
            } catch (Throwable e) {
                other[0] = e;
            }
        });
        t.start();
        t.join();
        out.println(other[0] instanceof IllegalStateException ? "ok other thread: " + other[0].getMessage() : "FAIL other thread " + other[0]);
        try {
            mpi.allreduce(x, Reduction.VARIANCE);
            out.println("FAIL variance as an MPI op");
        } catch (IllegalArgumentException e) {
            out.println("ok no MPI variance");
        }
        // Rank 1's part is a mapped file cut short under it: the variance's first step (gathering
        // the sample) fails there, that rank throws its own error and the others learn it; none waits.
        Distributed d = new Distributed(mpi);
        long whole = 3 * 32768L;
        dev.paralelo.BlockRange mine = dev.paralelo.BlockPartition.of(whole, mpi.size()).get(mpi.rank());
        Path file = Files.createTempFile("rank" + mpi.rank(), ".f64");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE); java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            ch.truncate(8 * mine.length());
            ch.write(java.nio.ByteBuffer.allocate(8), 8 * mine.length() - 8);
            F64Array part = F64Array.wrap(ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 8 * mine.length(), arena));
            if (mpi.rank() == 1) ch.truncate(0);
            d.variance(new Distributed.Part(part, mine.start(), whole), 0);
            out.println("FAIL the variance of a truncated part returned");
        } catch (PeerFailureException e) {
            out.println(mpi.rank() != 1 && e.rank() == 1 ? "ok peer failure: " + e.getMessage() : "FAIL " + e);
        } catch (IllegalStateException e) {
            out.println(mpi.rank() == 1 && e.getMessage().contains("truncated") ? "ok own failure: " + e.getMessage() : "FAIL " + e);
        } finally {
            Files.deleteIfExists(file);
        }
        mpi.allreduce(x, Reduction.SUM); // still usable after the errors
        double want = mpi.size() * (mpi.size() - 1) / 2.0;
        out.println(x.get(0) == want ? "ok usable after errors" : "FAIL sum " + x.get(0) + " != " + want);
    }

    private static void loop(Mpi mpi, PrintStream out) {
        out.println("pid " + mpi.rank() + " " + ProcessHandle.current().pid());
        out.flush();
        F64Array x = F64Array.of(1);
        for (long i = 0; ; i++) {
            x.set(0, 1);
            mpi.allreduce(x, Reduction.SUM);
            if (i % 1000 == 0) mpi.barrier();
        }
    }
}
