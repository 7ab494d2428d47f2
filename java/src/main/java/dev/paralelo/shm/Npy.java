package dev.paralelo.shm;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.NumArray;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code .npy} files in one call, as numpy's {@code np.load} and {@code np.save}: read a file
 * into a heap or off-heap array, write any array to a file. Unlike {@link SharedArray}, which
 * maps a file and shares its live memory, these copy.
 *
 * <pre>{@code
 * NumArray x = Npy.load(Path.of("data.npy"));          // heap, any of the four types
 * double mean = Kernels.defaults().mean(x);
 * Npy.save(Path.of("out.npy"), F64Array.of(1, 2, 3));  // numpy.load reads it
 * }</pre>
 *
 * <p>Files are read as {@link SharedArray#open(Path, Access)} reads them (versions 1.0 to 3.0,
 * little-endian f8/f4/i8/i4, C or Fortran order; anything else is an
 * {@link NpyFormatException} that says what the file holds). The elements come in storage
 * order, flat: {@link #header(Path)} gives the shape and order. Files are written as
 * {@link SharedArray#create(Path, DType, long[], boolean)} writes them: a complete file
 * appears atomically, mode 0600, replacing an earlier .npy file of that name.
 */
public final class Npy {
    private Npy() {}

    /**
     * Reads a .npy file into a new array on the Java heap (a {@code double[]}, {@code float[]},
     * {@code long[]} or {@code int[]} inside).
     *
     * @param path the file
     * @return its elements in storage order; the type is the file's (check it with
     *     {@code dtype()} or a pattern match)
     * @throws NpyFormatException if the file is not a .npy file Paralelo reads, or is truncated
     *     (also by another process while it is being read: "truncated .npy file")
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it holds more than 2^31 - 9 elements (use
     *     {@link #load(Path, Arena)})
     */
    public static NumArray load(Path path) throws IOException {
        try (SharedArray file = SharedArray.open(path, Access.READ_ONLY)) {
            NumArray src = file.array();
            long n = src.length();
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(path + " holds " + n + " elements, too many for a Java array; use Npy.load(path, arena)");
            }
            NumArray out = switch (src.dtype()) {
                case F64 -> F64Array.wrap(new double[(int) n]);
                case F32 -> F32Array.wrap(new float[(int) n]);
                case I64 -> I64Array.wrap(new long[(int) n]);
                case I32 -> I32Array.wrap(new int[(int) n]);
            };
            copy(file, out);
            return out;
        }
    }

    /**
     * Reads a .npy file into a new off-heap array allocated in arena (64-byte aligned, any
     * length), which the kernels can run on with every core.
     *
     * @param path the file
     * @param arena where the array is allocated; it lives as long as the arena
     * @return its elements in storage order, of the file's type
     * @throws NpyFormatException if the file is not a .npy file Paralelo reads, or is truncated
     *     (also by another process while it is being read: "truncated .npy file")
     * @throws IOException if it cannot be read
     */
    public static NumArray load(Path path, Arena arena) throws IOException {
        Objects.requireNonNull(arena, "arena");
        try (SharedArray file = SharedArray.open(path, Access.READ_ONLY)) {
            long n = file.array().length();
            NumArray out = switch (file.array().dtype()) {
                case F64 -> F64Array.allocate(arena, n);
                case F32 -> F32Array.allocate(arena, n);
                case I64 -> I64Array.allocate(arena, n);
                case I32 -> I32Array.allocate(arena, n);
            };
            copy(file, out);
            return out;
        }
    }

    /**
     * The header of a .npy file: type, shape, order, version.
     *
     * @param path the file
     * @return its header
     * @throws NpyFormatException if the file is not a .npy file Paralelo reads
     * @throws IOException if it cannot be read
     */
    public static NpyHeader header(Path path) throws IOException {
        try (SharedArray file = SharedArray.open(path, Access.READ_ONLY)) {
            return file.header();
        }
    }

    /**
     * Writes an array (heap or off-heap) to a .npy file of one dimension.
     *
     * @param path the file; an existing .npy file there is replaced
     * @param array the elements
     * @throws IOException if the file cannot be written, or something other than a .npy file
     *     is in the way
     */
    public static void save(Path path, NumArray array) throws IOException {
        save(path, array, array.length());
    }

    /**
     * Writes an array to a .npy file with the given shape, in C order (the last index varies
     * fastest).
     *
     * @param path the file; an existing .npy file there is replaced
     * @param array the elements, in C order
     * @param shape the dimensions; their product must be the array's length
     * @throws IOException if the file cannot be written, or something other than a .npy file
     *     is in the way
     * @throws IllegalArgumentException if the shape does not match the length
     */
    public static void save(Path path, NumArray array, long... shape) throws IOException {
        Objects.requireNonNull(array, "array");
        array.checkAlive();
        long count = 1;
        for (long d : shape) count = Math.multiplyExact(count, d);
        if (count != array.length()) {
            throw new IllegalArgumentException("shape " + NpyHeader.shapeString(shape) + " holds " + count
                    + " elements, the array " + array.length());
        }
        SharedArray.create(path, array.dtype(), shape, true, out -> MemorySegment.copy(array.segment(), 0, out.segment(), 0,
                array.segment().byteSize())).close();
    }

    /**
     * Copies the mapped elements into out. Another process may truncate the file meanwhile: the
     * copy then faults on a lost page, which the JVM reports as an InternalError at its next
     * safepoint check (the size check's system call is one, so it arrives inside the try); a
     * file still short at that check is reported the same way. (A file that grew back before
     * the check gives the zeros it grew back with: what it held then.)
     */
    private static void copy(SharedArray file, NumArray out) throws IOException {
        NumArray src = file.array();
        long now;
        try {
            MemorySegment.copy(src.segment(), 0, out.segment(), 0, src.segment().byteSize());
            now = file.currentSize(); // a truncation during the copy would have left zeros or a fault
        } catch (InternalError e) {
            if (!dev.paralelo.internal.MappingFault.is(e)) throw e;
            long size;
            try {
                size = file.currentSize();
            } catch (IOException x) {
                size = -1;
            }
            throw truncated(file, size, e);
        }
        if (now < file.mappedEnd()) throw truncated(file, now, null);
    }

    private static NpyFormatException truncated(SharedArray file, long now, Throwable cause) {
        NpyFormatException e = new NpyFormatException("truncated .npy file: another process truncated it"
                + (now >= 0 ? " to " + now + " bytes" : "") + " while it was being read; shape "
                + NpyHeader.shapeString(file.shape()) + " of " + file.array().dtype().numpyDescr() + " needs "
                + file.mappedEnd() + " bytes");
        if (cause != null) e.initCause(cause);
        return e;
    }
}
