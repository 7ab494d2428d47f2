package dev.paralelo.pool;

import dev.paralelo.DType;
import java.util.Objects;

/**
 * An array a task names: the path of its shared file, its element type and its length (in
 * elements). A worker opens the path and refuses to run when the file's type or length differ.
 *
 * @param path the file, as the worker will open it (absolute; at most 4096 UTF-8 bytes)
 * @param dtype the element type
 * @param length the number of elements
 */
public record ArrayRef(String path, DType dtype, long length) {
    /** Checks the fields. */
    public ArrayRef {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(dtype, "dtype");
        if (path.isEmpty()) throw new IllegalArgumentException("empty array path");
        if (length < 0) throw new IllegalArgumentException("negative array length " + length);
    }
}
