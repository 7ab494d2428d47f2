/**
 * The API: typed off-heap (or heap) arrays ({@link dev.paralelo.F64Array},
 * {@link dev.paralelo.F32Array}, {@link dev.paralelo.I64Array}, {@link dev.paralelo.I32Array}),
 * the kernels ({@link dev.paralelo.Kernels}: reductions, elementwise operations, slice
 * reductions) and the partial states that make every reduction mergeable across threads,
 * processes and machines ({@link dev.paralelo.Partial}, {@link dev.paralelo.BlockPartition}).
 *
 * <p>Results are reproducible: the same input gives the same bits for any thread count, SIMD
 * level and implementation (native C, Vector API or scalar Java); docs/ACCURACY.md states the
 * algorithms and bounds. Bad arguments are Java exceptions raised before any native code runs;
 * writes to read-only data raise {@link dev.paralelo.ReadOnlyArrayException}.
 */
package dev.paralelo;
