package dev.paralelo;

import dev.paralelo.internal.ffi.ParaleloLib;

/** The reduction applied to each slice by {@link Kernels#reduceSlices} and {@link Kernels#reduceAt}. */
public enum SliceOp {
    /** Sum: f64 output for float inputs, i64 for integer inputs (overflow raises). */
    SUM(ParaleloLib.PL_SUM),
    /** Mean: f64 output. */
    MEAN(ParaleloLib.PL_MEAN),
    /** Minimum: output of the input's type. */
    MIN(ParaleloLib.PL_MIN),
    /** Maximum: output of the input's type. */
    MAX(ParaleloLib.PL_MAX);

    private final int code;

    SliceOp(int code) {
        this.code = code;
    }

    /**
     * The {@code PL_*} operation code of paralelo.h.
     *
     * @return the code that paralelo.h uses for this operation
     */
    public int code() {
        return code;
    }

    /**
     * The slice operation with this {@code PL_*} code; IllegalArgumentException if there is none.
     *
     * @param code a {@code PL_*} operation code, as returned by {@link #code()}
     * @return the slice operation with that code
     * @throws IllegalArgumentException if no slice operation has that code
     */
    public static SliceOp ofCode(int code) {
        for (SliceOp v : values()) if (v.code == code) return v;
        throw new IllegalArgumentException("no slice operation has code " + code);
    }

    /**
     * The output element type for an input of type t.
     *
     * @param t the element type of the input array
     * @return f64 for a mean, and for a sum of float data; i64 for a sum of integer data; t for a
     *     min or max
     */
    public DType outputType(DType t) {
        return switch (this) {
            case SUM -> t.isFloat() ? DType.F64 : DType.I64;
            case MEAN -> DType.F64;
            default -> t;
        };
    }
}
