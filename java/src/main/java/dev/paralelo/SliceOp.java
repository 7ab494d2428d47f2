package dev.paralelo;

/** The reduction applied to each slice by {@link Kernels#reduceSlices} and {@link Kernels#reduceAt}. */
public enum SliceOp {
    /** Sum: f64 output for float inputs, i64 for integer inputs (overflow raises). */
    SUM,
    /** Mean: f64 output. */
    MEAN,
    /** Minimum: output of the input's type. */
    MIN,
    /** Maximum: output of the input's type. */
    MAX;

    int code() {
        return ordinal();
    }

    /** The output element type for an input of type t. */
    public DType outputType(DType t) {
        return switch (this) {
            case SUM -> t.isFloat() ? DType.F64 : DType.I64;
            case MEAN -> DType.F64;
            default -> t;
        };
    }
}
