package dev.paralelo;

import static dev.paralelo.internal.ffi.ParaleloLib.PL_MAX;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_MIN;
import static dev.paralelo.internal.ffi.ParaleloLib.PL_STATE_EXTREMUM;
import static dev.paralelo.kernel.States.EXTREMUM_COUNT;
import static dev.paralelo.kernel.States.EXTREMUM_DTYPE;
import static dev.paralelo.kernel.States.EXTREMUM_INDEX;
import static dev.paralelo.kernel.States.EXTREMUM_NAN;
import static dev.paralelo.kernel.States.EXTREMUM_OP;
import static dev.paralelo.kernel.States.EXTREMUM_VALUE;

import dev.paralelo.kernel.States;

/**
 * The partial state of a min or max ({@code pl_extremum}), with numpy's rules: any NaN makes
 * the result NaN, and {@link #index()} is then the first NaN's; otherwise it is the first
 * element equal to the extreme. A zero extreme is -0.0 for a min if any -0.0 was seen, and
 * +0.0 for a max if any +0.0 was (the order-free rule of Java's {@code Math.min}/{@code max};
 * numpy leaves it to the order of evaluation). Indices count from the array's element 0.
 *
 * <p>Immutable and thread-safe.
 */
public final class Extremum extends StateWords implements Partial {
    private static final long CANONICAL_NAN = Double.doubleToRawLongBits(Double.NaN);

    Extremum(long[] words) {
        super(PL_STATE_EXTREMUM, words);
    }

    static Extremum decode(long[] w) {
        long dtype = w[EXTREMUM_DTYPE], op = w[EXTREMUM_OP], count = w[EXTREMUM_COUNT], nan = w[EXTREMUM_NAN];
        PartialCodec.require(dtype >= 0 && dtype <= 3, "dtype", dtype, "element types are 0 to 3");
        PartialCodec.require(op == PL_MIN || op == PL_MAX, "op", op, "a min/max state's op is " + PL_MIN + " or " + PL_MAX);
        PartialCodec.checkCount(count);
        PartialCodec.require(nan == 0 || nan == 1, "nan", nan, "it is a flag, 0 or 1");
        long index = w[EXTREMUM_INDEX], value = w[EXTREMUM_VALUE];
        if (count == 0) {
            PartialCodec.require(nan == 0 && index == 0 && value == 0, "index/value/nan", index + "/" + value + "/" + nan,
                    "an empty state holds zeros");
        } else {
            PartialCodec.require(index >= 0, "index", index, "an index is >= 0");
            boolean fl = dtype == DType.F64.code() || dtype == DType.F32.code();
            if (nan == 1) {
                PartialCodec.require(fl && value == CANONICAL_NAN, "value", value, "a NaN state of float data holds the canonical NaN");
            } else if (fl) {
                double v = Double.longBitsToDouble(value);
                PartialCodec.require(!Double.isNaN(v), "value", value, "NaN needs the nan flag");
                PartialCodec.require(dtype == DType.F64.code() || (double) (float) v == v, "value", v, "an f32 extreme is a float");
            } else if (dtype == DType.I32.code()) {
                PartialCodec.require(value == (int) value, "value", value, "an i32 value fits 32 bits");
            }
        }
        return new Extremum(w);
    }

    @Override
    public Extremum merge(Partial other) {
        return new Extremum(mergedWords(other));
    }

    /**
     * This state as the state of the same elements seen in a larger array, where the array it
     * was computed on starts at element {@code start}: the same value, its index counted from
     * the larger array's element 0. A process that maps only its part of a file (an MPI rank)
     * computes its partial over that part, which starts on a block boundary, and shifts it so
     * that it merges with the other parts' to the whole array's state. An empty state is
     * returned as it is.
     *
     * @param start the element of the larger array where the array this state was computed on
     *     begins; a multiple of {@link BlockPartition#BLOCK}
     * @return the same extreme, its index counted from the larger array's element 0
     * @throws IllegalArgumentException if start is negative, not a multiple of
     *     {@link BlockPartition#BLOCK}, or the shifted index would pass 2^62
     */
    public Extremum shifted(long start) {
        if (start < 0 || start % BlockPartition.BLOCK != 0) {
            throw new IllegalArgumentException("a part starts at a multiple of " + BlockPartition.BLOCK + ", not at " + start);
        }
        if (isEmpty() || start == 0) return this;
        if (w[EXTREMUM_INDEX] > PartialCodec.MAX_COUNT - start) {
            throw new IllegalArgumentException("index " + w[EXTREMUM_INDEX] + " shifted by " + start + " passes 2^62");
        }
        long[] r = w.clone();
        r[EXTREMUM_INDEX] += start;
        return new Extremum(r);
    }

    /**
     * The element type of the data.
     *
     * @return the type of the elements the state was computed over
     */
    public DType elementType() {
        return DType.ofCode((int) w[EXTREMUM_DTYPE]);
    }

    /**
     * {@link Reduction#MIN} or {@link Reduction#MAX}.
     *
     * @return whether the state is a min or a max
     */
    public Reduction operation() {
        return Reduction.ofCode((int) w[EXTREMUM_OP]);
    }

    /**
     * The number of elements seen.
     *
     * @return the number of elements the state covers, at least 0
     */
    public long count() {
        return w[EXTREMUM_COUNT];
    }

    /**
     * Whether no element was seen (the identity); the finishes below then throw.
     *
     * @return true if the state covers no element
     */
    public boolean isEmpty() {
        return count() == 0;
    }

    /**
     * Whether a NaN was seen (float data).
     *
     * @return true if any element was NaN; always false for integer data
     */
    public boolean isNaN() {
        return w[EXTREMUM_NAN] != 0;
    }

    private void nonEmpty() {
        if (isEmpty()) {
            throw new IllegalStateException(operation().name().toLowerCase(java.util.Locale.ROOT)
                    + " of an empty array is undefined (numpy raises too)");
        }
    }

    /**
     * The index of the first NaN, or else of the first element equal to the extreme.
     *
     * @return the element index, counted from element 0 of the whole array
     * @throws IllegalStateException if the state is empty
     */
    public long index() {
        nonEmpty();
        return w[EXTREMUM_INDEX];
    }

    /**
     * The extreme as a double: NaN if any element was; f32 data widened; integers converted.
     *
     * @return the extreme, exact for f64, f32 and i32 data; an i64 one above 2^53 in magnitude may
     *     be rounded
     * @throws IllegalStateException if the state is empty
     */
    public double doubleValue() {
        nonEmpty();
        if (elementType().isFloat()) return Double.longBitsToDouble(w[EXTREMUM_VALUE]);
        return w[EXTREMUM_VALUE];
    }

    /**
     * The extreme of integer data; IllegalStateException for float data (use {@link #doubleValue()}).
     *
     * @return the extreme element, an i32 one sign-extended
     * @throws IllegalStateException if the state is empty or the data is floating-point
     */
    public long longValue() {
        nonEmpty();
        if (elementType().isFloat()) throw new IllegalStateException("the extreme of " + elementType().label() + " data is a double");
        return w[EXTREMUM_VALUE];
    }

    @Override
    public String toString() {
        String what = operation().name().toLowerCase(java.util.Locale.ROOT) + " of " + count() + " " + elementType().label();
        if (isEmpty()) return "Extremum[" + what + "]";
        return "Extremum[" + what + ": " + (elementType().isFloat() ? Double.toString(doubleValue()) : Long.toString(longValue()))
                + " at " + index() + "]";
    }
}
