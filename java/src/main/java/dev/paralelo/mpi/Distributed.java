package dev.paralelo.mpi;

import dev.paralelo.BlockPartition;
import dev.paralelo.BlockRange;
import dev.paralelo.CenteredSums;
import dev.paralelo.DType;
import dev.paralelo.ExactSum;
import dev.paralelo.Extremum;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.IntegerMoments;
import dev.paralelo.IntegerSum;
import dev.paralelo.Kernels;
import dev.paralelo.NumArray;
import dev.paralelo.Partial;
import dev.paralelo.Reduction;
import dev.paralelo.internal.MappingFault;
import dev.paralelo.shm.SharedArray;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Supplier;

/**
 * Reductions of an array distributed over MPI ranks, each rank holding one part of the
 * {@link BlockPartition}: rank r of N holds {@code BlockPartition.of(n, N).get(r)}
 * ({@link SharedArray#openPart} maps exactly that part of a file). Each rank computes the
 * partial state of its part with the ordinary kernels, on its cores, and the states merge
 * exactly across ranks ({@link Mpi#allreduce(Partial)}). The results are bit-identical to
 * {@link Kernels} over the whole array in one process, for any number of ranks, whether the
 * parts are even or not.
 *
 * <p>Every method is collective: every rank calls it, in the same order, with its own part of
 * the same array. The results are on every rank. A rank whose own part fails (a truncated
 * file) throws its exception, and the others a {@link PeerFailureException}: no rank is left
 * waiting.
 *
 * <p>Threads per rank: by default the cores this JVM may use divided by the ranks on this node
 * ({@link Mpi#localSize()}), at least 1, so that ranks × threads stays within the cores; pass
 * {@link Kernels} with other settings to choose. Thread counts never change the bits.
 */
public final class Distributed {
    private final Mpi mpi;
    private final Kernels kernels;

    /**
     * Reductions over mpi's ranks with the given kernels.
     *
     * @param mpi the communicator: every reduction is a collective over all its ranks
     * @param kernels what each rank runs on its own part (thread count, mode, implementation);
     *     thread counts never change the bits, so ranks may differ in them
     */
    public Distributed(Mpi mpi, Kernels kernels) {
        this.mpi = Objects.requireNonNull(mpi, "mpi");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
    }

    /**
     * Reductions over mpi's ranks with the default kernels on {@link #threadsPerRank(Mpi)} threads.
     *
     * @param mpi the communicator: every reduction is a collective over all its ranks, and the
     *     number of its ranks on this node sets the thread count
     */
    public Distributed(Mpi mpi) {
        this(mpi, Kernels.defaults().withThreads(threadsPerRank(mpi)));
    }

    /**
     * The threads each rank runs by default, so that the ranks on a node together use its cores
     * once. Local: no communication.
     *
     * @param mpi the communicator, for {@link Mpi#localSize()}
     * @return the cores this JVM may use ({@code availableProcessors}, which follows the CPU
     *     affinity mpirun gave the rank) divided by the ranks on its node, rounded down, at least 1
     */
    public static int threadsPerRank(Mpi mpi) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, mpi.localSize()));
    }

    /**
     * The kernels each rank runs.
     *
     * @return the kernels given to the constructor, or the defaults on
     *     {@link #threadsPerRank(Mpi)} threads
     */
    public Kernels kernels() {
        return kernels;
    }

    /**
     * One rank's part of a distributed array: {@code array} holds elements
     * {@code [start, start + array.length())} of a whole of {@code length} elements.
     *
     * @param array this rank's elements
     * @param start where they start in the whole: a multiple of {@link BlockPartition#BLOCK}
     * @param length the whole array's element count
     */
    public record Part(NumArray array, long start, long length) {
        /**
         * Checks that the part can be one part of the whole's block partition, so that its state
         * merges with the others' to the whole array's bits.
         *
         * @throws IllegalArgumentException if the part does not start on a block boundary or
         *     does not fit in the whole
         */
        public Part {
            Objects.requireNonNull(array, "array");
            if (start < 0 || start % BlockPartition.BLOCK != 0 || start + array.length() > length) {
                throw new IllegalArgumentException("a part of " + array.length() + " elements at " + start + " of " + length
                        + " must start at a multiple of " + BlockPartition.BLOCK + " and end by the whole's end");
            }
        }

        /**
         * The part a {@link SharedArray#openPart} mapped.
         *
         * @param file a file opened with {@link SharedArray#openPart}, or a whole file (part 0 of 1)
         * @return its mapped elements, where they start in the file and the file's element count;
         *     the array is the file's mapping, usable until the file is closed
         */
        public static Part of(SharedArray file) {
            return new Part(file.array(), file.partStart(), file.fileLength());
        }

        /**
         * The part rank r of `ranks` holds of a whole array (a view of it, for a process that has
         * it all, as in tests).
         *
         * @param whole the whole array
         * @param ranks how many parts: the number of ranks, {@link Mpi#size()}; at least 1
         * @param r which part, in [0, ranks): the rank, {@link Mpi#rank()}
         * @return a view of whole's elements {@code BlockPartition.of(whole.length(), ranks).get(r)}
         *     (empty when there are fewer blocks than ranks), no copy
         * @throws IllegalArgumentException if ranks is below 1
         * @throws IndexOutOfBoundsException if r is not in [0, ranks)
         */
        public static Part of(NumArray whole, int ranks, int r) {
            BlockRange range = BlockPartition.of(whole.length(), ranks).get(r);
            return new Part(whole.slice(range.start(), range.end()), range.start(), whole.length());
        }
    }

    /**
     * The merged state of op over the whole array: an {@link ExactSum} or {@link IntegerSum} for
     * SUM and MEAN, an {@link Extremum} (index counted from the whole array's element 0) for MIN
     * and MAX, a {@link CenteredSums} (float data: around the centre of a sample of the whole array, a second pass only when that proves far from the mean) or
     * {@link IntegerMoments} for VARIANCE. For DOT use {@link #dot}.
     *
     * @param op SUM, MEAN (the same state as SUM), MIN, MAX or VARIANCE; the same on every rank
     * @param x this rank's part; every rank passes its part of the same array
     * @return the merged state of the whole array, the same on every rank
     * @throws IllegalArgumentException for DOT, before any communication
     * @throws PeerFailureException on every rank but the lowest one whose part failed (a closed
     *     array, a truncated file), which throws its own exception instead
     * @throws MpiException if MPI fails, or the ranks' states cannot merge (parts of arrays of
     *     different element types), on every rank
     */
    public Partial partial(Reduction op, Part x) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(x, "x");
        NumArray a = x.array();
        BlockRange all = BlockPartition.whole(a.length());
        return switch (op) {
            case SUM, MEAN -> merged(() -> kernels.partial(Reduction.SUM, a, all));
            case MIN, MAX -> merged(() -> ((Extremum) kernels.partial(op, a, all)).shifted(x.start()));
            case VARIANCE -> {
                if (!a.dtype().isFloat()) yield merged(() -> kernels.partial(Reduction.VARIANCE, a, all));
                // Around the centre of the whole array's sample; a second pass only when that
                // proves far from the mean, as in one process.
                double center = varianceCenter(x);
                CenteredSums s = merged(() -> kernels.partialAround(a, all, center));
                OptionalDouble again = s.recenter();
                yield again.isEmpty() ? s : merged(() -> kernels.partialAround(a, all, again.getAsDouble()));
            }
            case DOT -> throw new IllegalArgumentException("a dot takes two arrays: dot(x, y)");
        };
    }

    /**
     * The merged state of the dot of x and y (parts of two arrays of one type and length, the same
     * ranges). Collective, as {@link #partial}.
     *
     * @param x this rank's part of the first array
     * @param y this rank's part of the second array: the same start, length and whole length as x
     * @return the merged {@link ExactSum} (float data) or {@link IntegerSum} of the products over
     *     the whole arrays, the same on every rank
     * @throws IllegalArgumentException if the parts cover different ranges: thrown on this rank
     *     before any communication, so every rank must see the same mismatch
     * @throws PeerFailureException on every rank but the lowest one whose parts failed (different
     *     element types, a closed array), which throws its own exception instead
     * @throws MpiException if MPI fails, or the ranks' states cannot merge
     */
    public Partial dot(Part x, Part y) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (x.start() != y.start() || x.length() != y.length() || x.array().length() != y.array().length()) {
            throw new IllegalArgumentException("the parts of a dot cover the same ranges of arrays of one length");
        }
        return merged(() -> kernels.partial(Reduction.DOT, x.array(), y.array(), BlockPartition.whole(x.array().length())));
    }

    /**
     * The sum as a double: {@link Kernels#sum} of float data; an integer sum rounded once.
     * Collective, as {@link #partial}.
     *
     * @param x this rank's part; every rank passes its part of the same array
     * @return the sum of the whole array, on every rank: the bits of {@link Kernels#sum} over it in
     *     one process; 0.0 when it is empty
     * @throws PeerFailureException on every rank but the lowest one whose part failed, which
     *     throws its own exception instead
     * @throws MpiException if MPI fails, or the ranks' states cannot merge
     */
    public double sum(Part x) {
        return switch (partial(Reduction.SUM, x)) {
            case ExactSum s -> s.round();
            case IntegerSum s -> s.doubleValue();
            default -> throw new AssertionError();
        };
    }

    /**
     * The smallest element, as {@link Kernels#min(dev.paralelo.F64Array)} gives it (numpy's NaN
     * rule: NaN if any element is NaN). Collective, as {@link #partial}; for its index, or an i64
     * extreme beyond 2^53 exactly, take the {@link Extremum} of {@code partial(Reduction.MIN, x)}.
     *
     * @param x this rank's part; every rank passes its part of the same array
     * @return the smallest element of the whole array as a double, on every rank
     * @throws IllegalArgumentException if the whole array is empty, on every rank and before any
     *     communication
     * @throws PeerFailureException on every rank but the lowest one whose part failed, which
     *     throws its own exception instead
     * @throws MpiException if MPI fails, or the ranks' states cannot merge
     */
    public double min(Part x) {
        return extreme(Reduction.MIN, x);
    }

    /**
     * The largest element, as {@link #min} the smallest.
     *
     * @param x this rank's part; every rank passes its part of the same array
     * @return the largest element of the whole array as a double, on every rank
     * @throws IllegalArgumentException if the whole array is empty, on every rank and before any
     *     communication
     * @throws PeerFailureException on every rank but the lowest one whose part failed, which
     *     throws its own exception instead
     * @throws MpiException if MPI fails, or the ranks' states cannot merge
     */
    public double max(Part x) {
        return extreme(Reduction.MAX, x);
    }

    private double extreme(Reduction op, Part x) {
        Objects.requireNonNull(x, "x");
        if (x.length() == 0) throw new IllegalArgumentException(op.name().toLowerCase(java.util.Locale.ROOT) + " of an empty array is undefined (numpy raises too)");
        return ((Extremum) partial(op, x)).doubleValue();
    }

    /**
     * The mean, the bits of {@link Kernels#mean}; NaN when the whole array is empty. Collective,
     * as {@link #partial}.
     *
     * @param x this rank's part; every rank passes its part of the same array
     * @return the mean of the whole array ({@code x.length()} elements), on every rank
     * @throws PeerFailureException on every rank but the lowest one whose part failed, which
     *     throws its own exception instead
     * @throws MpiException if MPI fails, or the ranks' states cannot merge
     */
    public double mean(Part x) {
        return switch (partial(Reduction.SUM, x)) {
            case ExactSum s -> s.mean(x.length());
            case IntegerSum s -> s.mean(x.length());
            default -> throw new AssertionError();
        };
    }

    /**
     * The variance with ddof degrees of freedom removed, the bits of
     * {@link Kernels#variance(NumArray, int)}. Collective, as {@link #partial}: float data takes
     * an allgather of the sample and a merge of the sums of deviations from its centre (a second
     * merge when that centre proves far from the mean), integer data one merge.
     *
     * @param x this rank's part; every rank passes its part of the same array
     * @param ddof delta degrees of freedom, at least 0: 0 for the population variance, 1 for the
     *     sample variance (numpy's {@code ddof}); the same on every rank
     * @return the variance of the whole array, on every rank; never negative; NaN when
     *     {@code x.length() - ddof <= 0}
     * @throws IllegalArgumentException if ddof is negative, before any communication
     * @throws PeerFailureException on every rank but the lowest one whose part failed, which
     *     throws its own exception instead
     * @throws MpiException if MPI fails, or the ranks' states cannot merge
     */
    public double variance(Part x, int ddof) {
        if (ddof < 0) throw new IllegalArgumentException("ddof must be >= 0, got " + ddof);
        return switch (partial(Reduction.VARIANCE, x)) {
            case CenteredSums s -> s.variance(ddof);
            case IntegerMoments s -> s.variance(ddof);
            default -> throw new AssertionError();
        };
    }

    /**
     * The standard deviation: the square root of {@link #variance}. Collective, as
     * {@link #partial}.
     *
     * @param x this rank's part; every rank passes its part of the same array
     * @param ddof delta degrees of freedom, at least 0, as for {@link #variance}
     * @return the standard deviation of the whole array, on every rank; NaN when
     *     {@code x.length() - ddof <= 0}
     * @throws IllegalArgumentException if ddof is negative, before any communication
     * @throws PeerFailureException on every rank but the lowest one whose part failed, which
     *     throws its own exception instead
     * @throws MpiException if MPI fails, or the ranks' states cannot merge
     */
    public double std(Part x, int ddof) {
        return Math.sqrt(variance(x, ddof));
    }

    /**
     * {@link Kernels#varianceCenter} of the whole array: each rank sends, for every index of
     * the sample, a flag word (1 where its part holds the element) and the element's bits; every
     * rank then builds the sample in order and takes its centre.
     */
    private double varianceCenter(Part x) {
        long[] idx = Kernels.varianceSample(x.length());
        boolean f64 = x.array().dtype() == DType.F64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment send = arena.allocate(16L * Math.max(1, idx.length), 8);
            RuntimeException failure = null;
            try {
                for (int k = 0; k < idx.length; k++) {
                    long i = idx[k] - x.start();
                    if (i < 0 || i >= x.array().length()) continue;
                    long bits = f64 ? Double.doubleToRawLongBits(((F64Array) x.array()).get(i))
                            : Float.floatToRawIntBits(((F32Array) x.array()).get(i));
                    send.setAtIndex(ValueLayout.JAVA_LONG, 2L * k, 1);
                    send.setAtIndex(ValueLayout.JAVA_LONG, 2L * k + 1, bits);
                }
            } catch (RuntimeException e) {
                failure = e;
            } catch (InternalError e) { // as Kernels reports a fault of a mapped file, before any rank waits
                failure = MappingFault.is(e) ? MappingFault.truncated(e) : new IllegalStateException("reading the variance's sample failed: " + e, e);
            }
            int failed = mpi.lowestFailed(failure != null);
            if (failed == mpi.rank()) throw failure;
            if (failed >= 0) throw new PeerFailureException(failed, failure);
            MemorySegment all = mpi.allgather(send, arena);
            long words = send.byteSize() / 8;
            double[] d = f64 ? new double[idx.length] : null;
            float[] f = f64 ? null : new float[idx.length];
            for (int k = 0; k < idx.length; k++) {
                for (int r = 0; r < mpi.size(); r++) {
                    if (all.getAtIndex(ValueLayout.JAVA_LONG, r * words + 2L * k) == 0) continue;
                    long bits = all.getAtIndex(ValueLayout.JAVA_LONG, r * words + 2L * k + 1);
                    if (f64) d[k] = Double.longBitsToDouble(bits);
                    else f[k] = Float.intBitsToFloat((int) bits);
                    break;
                }
            }
            return kernels.varianceCenter(f64 ? F64Array.wrap(d) : F32Array.wrap(f));
        }
    }

    /**
     * This rank's state from local, merged over every rank. When local fails on some rank (a
     * truncated file, a closed array), every rank learns it before the merge, so none waits:
     * the lowest failing rank throws its own exception, every other rank a
     * {@link PeerFailureException} naming that rank.
     */
    private <P extends Partial> P merged(Supplier<P> local) {
        P state = null;
        RuntimeException failure = null;
        try {
            state = local.get();
        } catch (RuntimeException e) {
            failure = e;
        }
        int failed = mpi.lowestFailed(failure != null);
        if (failed == mpi.rank()) throw failure;
        if (failed >= 0) throw new PeerFailureException(failed, failure);
        return mpi.allreduce(state);
    }
}
