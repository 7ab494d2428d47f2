package dev.paralelo.shm;

import dev.paralelo.AccessCheck;
import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.NumArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An array in a file that several processes map at once: other JVMs, C programs and numpy
 * ({@code numpy.load(path, mmap_mode="r+")}) see the same live memory, and N processes share
 * one copy of the data. The file is a valid {@code .npy} file whose data starts on a 64-byte
 * boundary (docs/FORMAT.md); raw headerless files open with an explicit element type.
 *
 * <p>Arrays are created by name in {@link #directory()} ({@code /dev/shm} unless
 * {@code -Dparalelo.shm.dir} says otherwise) or by path. New files have mode 0600. The mapping
 * lives in a shared arena: any thread may use the array; {@link #close()} unmaps it and
 * {@link #delete()} also removes the file. Every kernel call on the array first checks that the
 * file is still long enough, because touching a page that another process truncated away
 * would kill the JVM with SIGBUS.
 *
 * <p>Plain element reads and writes are not ordered between processes; use the atomic methods
 * of {@link I64Array} and {@link I32Array}, {@link SharedCounter} or {@link SharedBarrier}.
 */
public final class SharedArray implements AutoCloseable {
    /** System property naming the directory for arrays created by name. */
    public static final String DIR_PROPERTY = "paralelo.shm.dir";
    /** Alignment of the data in files Paralelo creates, in bytes. */
    public static final int DATA_ALIGNMENT = 64;

    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final Arena arena;
    private final FileChannel channel;
    private final NumArray array;
    private final NpyHeader header; // null for raw files
    private final long mappedEnd;

    private SharedArray(Path path, Arena arena, FileChannel channel, NumArray array, NpyHeader header, long mappedEnd) {
        this.path = path;
        this.arena = arena;
        this.channel = channel;
        this.array = array;
        this.header = header;
        this.mappedEnd = mappedEnd;
    }

    /** Where arrays created by name live. */
    public static Path directory() {
        return Path.of(System.getProperty(DIR_PROPERTY, "/dev/shm"));
    }

    /**
     * The file of the array called name: {@code directory()/name}, with {@code .npy} appended
     * unless the name already ends with it. Names may not contain '/', "..", or control
     * characters, and may not be empty.
     */
    public static Path resolve(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a shared array name may not be empty");
        if (name.contains("/") || name.contains("..") || name.chars().anyMatch(c -> c < 32)) {
            throw new IllegalArgumentException("invalid shared array name '" + name.replaceAll("\\p{Cntrl}", "?")
                    + "': names may not contain '/', '..' or control characters (use a path instead)");
        }
        if (name.length() > 200) throw new IllegalArgumentException("shared array name is longer than 200 characters");
        return directory().resolve(name.endsWith(".npy") ? name : name + ".npy");
    }

    // ---- create ----------------------------------------------------------------------------

    /** Creates a zeroed array called name (see {@link #resolve}); fails if it exists. */
    public static SharedArray create(String name, DType dtype, long... shape) throws IOException {
        return create(resolve(name), dtype, shape, false);
    }

    /**
     * Creates a zeroed .npy file at path and maps it read-write. If the file exists it is an
     * error ({@link FileAlreadyExistsException}) unless replace is true, in which case the old
     * file is removed first (processes that still map it keep the old memory).
     */
    public static SharedArray create(Path path, DType dtype, long[] shape, boolean replace) throws IOException {
        long count = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + NpyHeader.shapeString(shape));
            count = Math.multiplyExact(count, d);
        }
        long bytes = Math.multiplyExact(count, (long) dtype.size());
        byte[] head = NpyHeader.encode(dtype, shape, false, DATA_ALIGNMENT);
        // The file is sparse: its pages are allocated when first written. On a full filesystem
        // (a small /dev/shm, say) that write is a SIGBUS, which kills the JVM if native code
        // does it, so refuse up front when the space is plainly not there.
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && Files.isDirectory(parent)) {
            long free = Files.getFileStore(parent).getUsableSpace();
            if (free < head.length + bytes) {
                throw new IOException("not enough space for " + path + ": it needs " + (head.length + bytes)
                        + " bytes and " + parent + " has " + free + " free");
            }
        }
        if (replace) Files.deleteIfExists(path);
        FileChannel ch;
        try {
            ch = FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(OWNER_RW));
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(path.toString(), null, "a shared array already exists there (replace it explicitly, e.g. --force)");
        }
        try {
            ch.write(ByteBuffer.wrap(head), 0);
            if (bytes > 0) ch.write(ByteBuffer.wrap(new byte[1]), head.length + bytes - 1); // sparse zeros
            NpyHeader h = new NpyHeader(head[6], dtype, false, shape.clone(), head.length);
            return map(path, ch, dtype, head.length, bytes, true, h);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    // ---- open ------------------------------------------------------------------------------

    /** Opens the .npy array called name (see {@link #resolve}). */
    public static SharedArray open(String name, boolean writable) throws IOException {
        return open(resolve(name), writable);
    }

    /** Opens a .npy file; {@link NpyFormatException} if it is not one Paralelo can map. */
    public static SharedArray open(Path path, boolean writable) throws IOException {
        return openFile(path, null, writable, false);
    }

    /** Opens a raw headerless file of elements of dtype (as {@code numpy.memmap} writes them). */
    public static SharedArray openRaw(Path path, DType dtype, boolean writable) throws IOException {
        return openFile(path, java.util.Objects.requireNonNull(dtype, "dtype"), writable, true);
    }

    /** Opens a .npy file if it starts with the .npy magic, else raw data of rawType. */
    public static SharedArray openAny(Path path, DType rawType, boolean writable) throws IOException {
        return openFile(path, java.util.Objects.requireNonNull(rawType, "rawType"), writable, false);
    }

    /** rawType null: .npy only; raw true: never parse a header. */
    private static SharedArray openFile(Path path, DType rawType, boolean writable, boolean raw) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "no such file");
        if (Files.isDirectory(path)) throw new IOException(path + " is a directory");
        if (writable && !Files.getPosixFilePermissions(path).contains(PosixFilePermission.OWNER_WRITE)) {
            // Checked by mode, not access(2): root may write anything, but a read-only file says what its owner wants.
            throw new AccessDeniedException(path.toString(), null, "the file is read-only (mode "
                    + PosixFilePermissions.toString(Files.getPosixFilePermissions(path)) + "); open it read-only");
        }
        FileChannel ch = writable
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            byte[] head = readHead(ch, size);
            if (!raw && (NpyHeader.hasMagic(head, head.length) || rawType == null)) {
                NpyHeader h = NpyHeader.parse(head, head.length, size);
                if (h.dataOffset() % h.dtype().size() != 0) {
                    throw new NpyFormatException("unsupported .npy layout: data at offset " + h.dataOffset()
                            + " is not aligned to its " + h.dtype().size() + "-byte elements");
                }
                return map(path, ch, h.dtype(), h.dataOffset(), h.dataBytes(), writable, h);
            }
            if (size % rawType.size() != 0) {
                throw new NpyFormatException("raw file of " + size + " bytes is not a whole number of " + rawType.label()
                        + " elements (" + rawType.size() + " bytes each); pass the right --dtype");
            }
            return map(path, ch, rawType, 0, size, writable, null);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The first bytes of the file, enough for any header we accept, by positional reads. */
    private static byte[] readHead(FileChannel ch, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size, NpyHeader.MAX_HEADER + 12));
        while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
            // keep reading: a read may return fewer bytes than asked
        }
        return java.util.Arrays.copyOf(buf.array(), buf.position());
    }

    private static SharedArray map(Path path, FileChannel ch, DType dtype, long offset, long bytes, boolean writable,
            NpyHeader h) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = bytes == 0
                    ? arena.allocate(0, DATA_ALIGNMENT)
                    : ch.map(writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, offset, bytes, arena);
            if (!writable) seg = seg.asReadOnly();
            long end = offset + bytes;
            AccessCheck check = () -> {
                long now;
                try {
                    now = ch.size();
                } catch (IOException e) {
                    throw new IllegalStateException(path + ": cannot check the file's size: " + e.getMessage(), e);
                }
                if (now < end) {
                    throw new IllegalStateException(path + " was truncated to " + now + " bytes while mapped; the array needs "
                            + end + " bytes. Reopen it (the data past the new end is gone)");
                }
            };
            return new SharedArray(path, arena, ch, view(dtype, seg, check), h, end);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    static NumArray view(DType type, MemorySegment seg, AccessCheck check) {
        return switch (type) {
            case F64 -> F64Array.wrap(seg, check);
            case F32 -> F32Array.wrap(seg, check);
            case I64 -> I64Array.wrap(seg, check);
            case I32 -> I32Array.wrap(seg, check);
        };
    }

    // ---- listing and removal -----------------------------------------------------------------

    /** One entry of {@link #list()}: a .npy file's name, type and shape, or why it cannot be read. */
    public record Entry(String name, Path path, DType dtype, long[] shape, long bytes, String problem) {}

    /** The .npy files in {@link #directory()}, sorted by name. */
    public static List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        Path dir = directory();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                String file = p.getFileName().toString();
                if (!file.endsWith(".npy") || !Files.isRegularFile(p)) continue;
                String name = file.substring(0, file.length() - 4);
                long size = Files.size(p);
                try (InputStream in = Files.newInputStream(p)) {
                    byte[] head = in.readNBytes((int) Math.min(size, NpyHeader.MAX_HEADER + 12));
                    NpyHeader h = NpyHeader.parse(head, head.length, size);
                    out.add(new Entry(name, p, h.dtype(), h.shape(), size, null));
                } catch (IOException e) {
                    out.add(new Entry(name, p, null, null, size, e.getMessage()));
                }
            }
        }
        return out;
    }

    /** Removes the array called name; processes that map it keep their memory until they unmap. */
    public static void delete(String name) throws IOException {
        Path p = resolve(name);
        if (!Files.deleteIfExists(p)) throw new NoSuchFileException(p.toString(), null, "no such shared array");
    }

    // ---- the array ---------------------------------------------------------------------------

    /** The mapped elements, in file order. */
    public NumArray array() {
        return array;
    }

    /** The array as type, or IllegalArgumentException naming both types. */
    public <A extends NumArray> A array(Class<A> type) {
        if (!type.isInstance(array)) {
            throw new IllegalArgumentException(path + " holds " + array.dtype().label() + " elements, not " + type.getSimpleName());
        }
        return type.cast(array);
    }

    /** The .npy header, or null for a raw file. */
    public NpyHeader header() {
        return header;
    }

    /** The shape: the header's, or one dimension for a raw file. */
    public long[] shape() {
        return header != null ? header.shape().clone() : new long[] {array.length()};
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Whether writes through this mapping are rejected. */
    public boolean isReadOnly() {
        return array.isReadOnly();
    }

    /** File bytes the mapping covers (header included). */
    public long mappedEnd() {
        return mappedEnd;
    }

    /** Unmaps the file; the array is unusable afterwards. Idempotent. */
    @Override
    public void close() {
        try {
            if (arena.scope().isAlive()) arena.close();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unmaps and removes the file. */
    public void delete() throws IOException {
        close();
        Files.deleteIfExists(path);
    }
}
