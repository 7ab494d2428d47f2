package dev.paralelo.shm;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.NumArray;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file mapped into memory as one array, never read into the heap: a {@code .npy} file (its
 * header says the type and shape) or a raw file of one element type. The mapping lives in a
 * shared arena, so any thread (and the OpenMP threads of the kernels) may use the array;
 * {@link #close()} unmaps it, after which the array raises {@link IllegalStateException}.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final NumArray array;
    private final NpyHeader header; // null for raw files
    private final long fileSize;

    private MappedFile(Path path, Arena arena, NumArray array, NpyHeader header, long fileSize) {
        this.path = path;
        this.arena = arena;
        this.array = array;
        this.header = header;
        this.fileSize = fileSize;
    }

    /**
     * Maps path. A file that starts with the .npy magic is parsed as .npy (and rejected with
     * {@link NpyFormatException} if its header is bad); any other file is raw data of rawType.
     */
    public static MappedFile open(Path path, DType rawType, boolean writable) throws IOException {
        long size;
        byte[] head = new byte[NpyHeader.MAX_HEADER + 12];
        int got;
        try (InputStream in = Files.newInputStream(path)) {
            size = Files.size(path);
            got = in.readNBytes(head, 0, (int) Math.min(head.length, size));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "no such file");
        }
        if (Files.isDirectory(path)) throw new IOException(path + " is a directory");
        NpyHeader h = null;
        long offset = 0, bytes;
        DType type;
        if (NpyHeader.hasMagic(head, got)) {
            h = NpyHeader.parse(head, got, size);
            type = h.dtype();
            offset = h.dataOffset();
            bytes = h.dataBytes();
            if (offset % type.size() != 0) {
                throw new NpyFormatException("unsupported .npy layout: data at offset " + offset
                        + " is not aligned to its " + type.size() + "-byte elements");
            }
        } else {
            type = rawType;
            if (size % type.size() != 0) {
                throw new NpyFormatException("raw file of " + size + " bytes is not a whole number of "
                        + type.label() + " elements (" + type.size() + " bytes each); pass the right --dtype");
            }
            bytes = size;
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = writable
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = bytes == 0
                    ? arena.allocate(0, 64)
                    : ch.map(writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, offset, bytes, arena);
            if (!writable) seg = seg.asReadOnly();
            return new MappedFile(path, arena, view(type, seg), h, size);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    static NumArray view(DType type, MemorySegment seg) {
        return switch (type) {
            case F64 -> F64Array.wrap(seg);
            case F32 -> F32Array.wrap(seg);
            case I64 -> I64Array.wrap(seg);
            case I32 -> I32Array.wrap(seg);
        };
    }

    /** The mapped elements, all of them, in file order. */
    public NumArray array() {
        return array;
    }

    /** The .npy header, or null for a raw file. */
    public NpyHeader header() {
        return header;
    }

    /** The shape: the header's, or one dimension for a raw file. */
    public long[] shape() {
        return header != null ? header.shape().clone() : new long[] {array.length()};
    }

    /** The mapped file. */
    public Path path() {
        return path;
    }

    /** The file's size in bytes when it was opened. */
    public long fileSize() {
        return fileSize;
    }

    /** Unmaps the file; the array is unusable afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
