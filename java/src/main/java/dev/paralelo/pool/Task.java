package dev.paralelo.pool;

/**
 * One task of a TASKS frame (docs/PROTOCOL.md): a kernel over a range of arrays named by their
 * index in the frame's array table. It never carries data.
 *
 * <ul>
 *   <li>{@link WireFormat#KIND_PARTIAL}: the partial state of reduction {@code op} (a
 *       {@link dev.paralelo.Reduction} code) over the block-aligned element range [start, end)
 *       of array x (and y for a dot); with {@code around}, a centred pass of a float variance,
 *       centred on {@code center}.
 *   <li>{@link WireFormat#KIND_SLICES}: slices [start, end) of the slice reduction {@code op} (a
 *       {@link dev.paralelo.SliceOp} code) with slice length k over x, written to out[start, end).
 * </ul>
 *
 * @param id the task id, unique within its job; results are keyed by it
 * @param kind {@link WireFormat#KIND_PARTIAL} or {@link WireFormat#KIND_SLICES}
 * @param op the reduction or slice operation code
 * @param mode the summation mode code ({@link dev.paralelo.SumMode#code()})
 * @param around whether center is given (a float variance's centred pass)
 * @param x the input array's index
 * @param y the second input's index (a dot), or {@link WireFormat#NO_ARRAY}
 * @param out the output array's index (slices), or {@link WireFormat#NO_ARRAY}
 * @param start first element (partial) or slice (slices)
 * @param end one past the last element or slice
 * @param k the slice length (slices), else 0
 * @param center the variance's centre when around, else 0
 */
public record Task(long id, int kind, int op, int mode, boolean around, int x, int y, int out, long start, long end,
        long k, double center) {}
