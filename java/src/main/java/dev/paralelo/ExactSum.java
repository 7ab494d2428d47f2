package dev.paralelo;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_SUM;

import dev.paralelo.kernel.ExactAccumulator;

/**
 * An exact sum of doubles: the partial state of float sums, means and dots ({@code pl_acc}).
 *
 * <p>Terms are held without rounding in a 4,352-bit fixed-point integer (136 signed 32-bit
 * digits in 64-bit words, unit 2<sup>-2162</sup>: wide enough for exact products of doubles,
 * which dots add where a block's products underflow or overflow), so merging is associative
 * and commutative, and {@link #round()} rounds once, to nearest with ties to even. NaN and infinities are counted
 * separately and follow IEEE rules in {@link #round()}. The kernels add each block's partial
 * (a double-double) to it, so it is exact with respect to the block partials, not to the raw
 * elements: that is what makes every partition give the same bits.
 *
 * <p>Immutable and thread-safe; kept normalised, so equal sums have equal encodings.
 */
public final class ExactSum extends StateWords implements Partial {
    ExactSum(long[] words) {
        super(PL_STATE_SUM, canonical(words));
    }

    private static long[] canonical(long[] words) {
        ExactAccumulator.normalize(words, 0);
        return words;
    }

    static ExactSum decode(long[] w) {
        PartialCodec.checkAccumulator(w, 0, "sum");
        return new ExactSum(w);
    }

    /**
     * The empty sum.
     *
     * @return a sum of no terms, exactly zero
     */
    public static ExactSum zero() {
        return new ExactSum(new long[ExactAccumulator.WORDS]);
    }

    /**
     * The exact sum of the given terms.
     *
     * @param terms the doubles to add; an infinite or NaN term makes the sum non-finite as in IEEE
     *     arithmetic
     * @return their sum without rounding, normalised
     */
    public static ExactSum of(double... terms) {
        long[] w = new long[ExactAccumulator.WORDS];
        for (double t : terms) ExactAccumulator.add(w, 0, t);
        return new ExactSum(w);
    }

    @Override
    public ExactSum merge(Partial other) {
        return checked(new ExactSum(mergedWords(other)));
    }

    private static ExactSum checked(ExactSum m) {
        return inRange(m, () -> PartialCodec.checkAccumulator(m.w, 0, "sum"));
    }

    /**
     * first merged with every state rest gives, in one pass: the digits of canonical states add
     * up as they are and are normalised once at the end (a pairwise merge copies and normalises
     * three times), to the same bits.
     */
    static ExactSum mergeAll(ExactSum first, java.util.Iterator<? extends Partial> rest) {
        long[] acc = first.w.clone();
        while (rest.hasNext()) {
            Partial p = rest.next();
            if (!(p instanceof ExactSum s)) {
                throw new IllegalArgumentException("cannot merge " + (p == null ? "null" : p.getClass().getSimpleName())
                        + " into ExactSum: partial states merge only with their own kind");
            }
            ExactAccumulator.mergeCanonical(acc, 0, s.w, 0);
        }
        return checked(new ExactSum(acc));
    }

    /**
     * The sum rounded to the nearest double, ties to even; +0.0 when it is exactly zero.
     *
     * @return the double nearest the exact sum; infinite when it is beyond the double range, NaN if
     *     a NaN (or both infinities) was added
     */
    public double round() {
        return ExactAccumulator.round(w, 0);
    }

    /**
     * The mean of count elements, as {@link Kernels#mean} computes it: {@link #round()} / count,
     * except that a finite sum too large for a double gives its finite mean (the sum rounded at
     * 2^-64 of its size, divided, scaled back).
     *
     * @param count the number of elements summed; an empty sum over 0 elements gives NaN, as numpy
     *     does
     * @return the mean, rounded once from the sum rounded to a double (see above)
     */
    public double mean(long count) {
        return ExactAccumulator.mean(w, 0, count);
    }

    @Override
    public String toString() {
        return "ExactSum[" + round() + "]";
    }
}
