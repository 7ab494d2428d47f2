package dev.paralelo.shm;

import dev.paralelo.AccessCheck;
import dev.paralelo.BlockPartition;
import dev.paralelo.BlockRange;
import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.NumArray;
import dev.paralelo.internal.ffi.Libc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
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
 * {@link #delete()} also removes the file, unless another process has put another one at its
 * path since. Every kernel call on the array first checks that the
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
    /** The longest file name create takes: 255 bytes, less the 31 its temporary file's name adds. */
    private static final int MAX_FILE_NAME_BYTES = 224;

    private final Path path;
    private final Arena arena;
    private final FileChannel channel;
    private final NumArray array;
    private final NpyHeader header; // null for raw files
    private final long mappedEnd;
    private final long partStart;  // the file element that array() starts at
    private final long fileLength; // elements in the file
    private final Object fileKey;  // the mapped file's identity (device and inode), as it was opened or created

    private SharedArray(Path path, Arena arena, FileChannel channel, NumArray array, NpyHeader header, long mappedEnd,
            long partStart, long fileLength, Object fileKey) {
        this.path = path;
        this.arena = arena;
        this.channel = channel;
        this.array = array;
        this.header = header;
        this.mappedEnd = mappedEnd;
        this.partStart = partStart;
        this.fileLength = fileLength;
        this.fileKey = fileKey;
    }

    /**
     * Where arrays created by name live.
     *
     * @return the value of the system property {@value #DIR_PROPERTY}, or {@code /dev/shm}; read at
     *     each call
     */
    public static Path directory() {
        return Path.of(System.getProperty(DIR_PROPERTY, "/dev/shm"));
    }

    /**
     * The file of the array called name: {@code directory()/name}, with {@code .npy} appended
     * unless the name already ends with it. A name may not be empty, start with '.', contain
     * '/' or "..", or hold a character that does not print as itself: control characters
     * (DEL and C1 included), format characters (bidirectional overrides, zero-width joiners),
     * line separators, unpaired surrogates, unassigned code points or U+FFFD (what an invalid
     * byte in a command-line argument becomes). IllegalArgumentException says which.
     *
     * @param name the array's name, without a directory; {@code .npy} is optional
     * @return the path in {@link #directory()}
     * @throws IllegalArgumentException if the name is empty, longer than 200 bytes in UTF-8, or breaks
     *     one of the rules above
     */
    public static Path resolve(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a shared array name may not be empty");
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > 200) {
            // The file is NAME.npy, written first under a temporary name 31 bytes longer, and a
            // file name has at most 255 bytes.
            throw new IllegalArgumentException("shared array name is longer than 200 bytes in UTF-8 (" + bytes + ")");
        }
        if (name.contains("/") || name.contains("..")) {
            throw new IllegalArgumentException("invalid shared array name '" + Names.escape(name)
                    + "': names may not contain '/' or '..' (use a path instead)");
        }
        if (name.startsWith(".")) {
            throw new IllegalArgumentException("invalid shared array name '" + Names.escape(name) + "': names may not start with '.'");
        }
        int bad = Names.firstUnprintable(name);
        if (bad >= 0) {
            throw new IllegalArgumentException("invalid shared array name '" + Names.escape(name) + "': character "
                    + String.format(java.util.Locale.ROOT, "U+%04X", name.codePointAt(bad))
                    + " does not print as itself (control, format or unassigned characters are refused)");
        }
        return directory().resolve(name.endsWith(".npy") ? name : name + ".npy");
    }

    // ---- create ----------------------------------------------------------------------------

    /**
     * Creates a zeroed array called name (see {@link #resolve}), mapped read-write.
     *
     * @param name the array's name: {@code directory()/NAME.npy}
     * @param dtype the element type
     * @param shape the dimensions (C order)
     * @return the new array
     * @throws FileAlreadyExistsException if an array of that name exists
     *     ({@link #createOrReplace} replaces it)
     * @throws IOException if the file cannot be created
     */
    public static SharedArray create(String name, DType dtype, long... shape) throws IOException {
        return create(resolve(name), dtype, shape, false, null);
    }

    /**
     * Creates a zeroed array called name, replacing an array of that name if there is one
     * (processes that map the old one keep its memory until they unmap it): a program that
     * creates its arrays this way can run again. Only a file that parses as .npy is replaced;
     * anything else at that name is an IOException.
     *
     * @param name the array's name: {@code directory()/NAME.npy}
     * @param dtype the element type
     * @param shape the dimensions (C order)
     * @return the new array, mapped read-write
     * @throws IOException if the file cannot be created or what is there is not an array
     */
    public static SharedArray createOrReplace(String name, DType dtype, long... shape) throws IOException {
        return create(resolve(name), dtype, shape, true, null);
    }

    /**
     * {@link #create(Path, DType, long[], boolean, Consumer)} with nothing to fill: the array is zeros.
     *
     * @param path where the file appears; its directory must exist
     * @param dtype the element type
     * @param shape the dimensions (C order), each at least 0
     * @param replace whether an existing array at path is replaced; see
     *     {@link #create(Path, DType, long[], boolean, Consumer)}
     * @return the new array of zeros, mapped read-write
     * @throws FileAlreadyExistsException if a file exists at path and replace is false
     * @throws IOException if the file cannot be created, reserved or published, or what is at path
     *     cannot be replaced
     */
    public static SharedArray create(Path path, DType dtype, long[] shape, boolean replace) throws IOException {
        return create(path, dtype, shape, replace, null);
    }

    /**
     * Creates a .npy file at path, fills it and publishes it, mapped read-write.
     *
     * <p>The file is made under a temporary name in the same directory ({@code .NAME.*.partial},
     * mode 0600), its blocks are reserved ({@code posix_fallocate}: zeros that need no further
     * space, so a mapping of it cannot fault on a full filesystem), its header is written, then
     * fill (when not null) runs on the mapped elements, and only then does the file appear at
     * path, atomically ({@code link(2)}, or {@code rename(2)} when replacing). A process that
     * opens path sees either no file or the complete, filled array; a creator killed before
     * that leaves only the temporary file.
     *
     * @param path where the file appears; its directory must exist
     * @param dtype the element type
     * @param shape the dimensions (C order), each at least 0
     * @param replace whether an existing array at path is replaced (processes that still map it
     *     keep the old memory); only a regular file that parses as .npy is replaced, anything
     *     else is refused. Without it an existing file is a {@link FileAlreadyExistsException}.
     * @param fill called once with the mapped, zeroed elements before the file is published, or
     *     null to publish zeros; if it throws, nothing is published and the exception propagates
     * @return the new array, mapped read-write
     * @throws IOException "no space" when the filesystem cannot hold the array
     * @throws IllegalArgumentException if a dimension is negative
     * @throws ArithmeticException if the shape's byte size overflows a long
     */
    public static SharedArray create(Path path, DType dtype, long[] shape, boolean replace, Consumer<? super NumArray> fill)
            throws IOException {
        long count = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + NpyHeader.shapeString(shape));
        }
        long bytes, total;
        byte[] head;
        try {
            for (long d : shape) count = Math.multiplyExact(count, d);
            bytes = Math.multiplyExact(count, (long) dtype.size());
            head = NpyHeader.encode(dtype, shape, false, DATA_ALIGNMENT);
            total = Math.addExact(head.length, bytes);
        } catch (ArithmeticException e) {
            throw new ArithmeticException("an array of shape " + NpyHeader.shapeString(shape) + " and type " + dtype.label()
                    + " needs more than 2^63 bytes");
        }
        Path target = path.toAbsolutePath();
        Path parent = target.getParent();
        if (!replace && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw alreadyExists(target);
        if (replace) checkReplaceable(target);
        Path tmp = parent.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Long.toUnsignedString(new SecureRandom().nextLong(), 36) + ".partial");
        int nameBytes = target.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (nameBytes > MAX_FILE_NAME_BYTES) {
            // Past it the temporary file's name is too long, and the error would name that file.
            throw new FileSystemException(target.toString(), null, "its name is " + nameBytes + " bytes long, at most "
                    + MAX_FILE_NAME_BYTES + " (it is written first under a temporary name 31 bytes longer)");
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(OWNER_RW));
        } catch (NoSuchFileException e) { // name the user's path, not the temporary file's
            throw new NoSuchFileException(target.toString(), null, "its folder " + parent + " does not exist");
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(target.toString(), null, "cannot create a file in " + parent + " (permission denied)");
        }
        SharedArray made = null;
        try {
            reserve(ch, tmp, target, total);
            ch.write(ByteBuffer.wrap(head), 0);
            NpyHeader h = new NpyHeader(head[6], dtype, false, shape.clone(), head.length);
            Object key = Files.readAttributes(tmp, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            made = map(target, ch, dtype, head.length, bytes, true, h, null, key);
            if (fill != null) fill.accept(made.array);
            publish(tmp, target, replace);
            return made;
        } catch (IOException | RuntimeException | Error e) {
            if (made != null) made.close();
            else ch.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static FileAlreadyExistsException alreadyExists(Path p) {
        return new FileAlreadyExistsException(p.toString(), null, "a file already exists there (replace an array explicitly, e.g. --force)");
    }

    /** Reserves total bytes for the new file; "no space" when the filesystem cannot hold them. */
    private static void reserve(FileChannel ch, Path tmp, Path target, long total) throws IOException {
        if (total == 0) return;
        // Refuse what plainly does not fit before asking for it: on some filesystems (ext4) a
        // failed fallocate keeps what it got, filling the disk until the file is removed.
        long usable = Files.getFileStore(tmp.getParent()).getUsableSpace();
        if (usable < total) {
            throw new IOException("no space for " + target + ": it needs " + total + " bytes and " + tmp.getParent()
                    + " has " + usable + " free");
        }
        int err = Libc.fallocate(tmp.toString(), total);
        if (err == 0) return;
        if (err == Libc.ENOSPC || err == Libc.EFBIG) {
            long free = Files.getFileStore(tmp.getParent()).getUsableSpace();
            throw new IOException("no space for " + target + ": it needs " + total + " bytes and " + tmp.getParent()
                    + " has " + free + " free");
        }
        if (err != Libc.EOPNOTSUPP && err != Libc.EINVAL) {
            throw new IOException("cannot reserve " + total + " bytes for " + target + " (errno " + err + ")");
        }
        // No posix_fallocate here: write the zeros, which allocates the blocks just the same.
        ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
        try {
            for (long at = 0; at < total; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), total - at));
                at += ch.write(zeros, at);
            }
        } catch (IOException e) {
            throw new IOException("no space for " + target + ": it needs " + total + " bytes (" + e.getMessage() + ")", e);
        }
    }

    /** Makes the filled temporary file appear at target: link (never replaces) or rename (replaces). */
    private static void publish(Path tmp, Path target, boolean replace) throws IOException {
        if (replace) {
            checkReplaceable(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            throw alreadyExists(target);
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof FileSystemException f && (f instanceof NoSuchFileException || f instanceof AccessDeniedException)) throw f;
            // A filesystem without hard links: rename, after a check that can race with another creator.
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw alreadyExists(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Files.delete(tmp);
    }

    /**
     * IOException unless target is absent or a regular .npy file: one that parses, or one that
     * starts with the .npy magic (numpy's files of element types Paralelo does not read, such as
     * float16, uint64 or big-endian doubles, are .npy arrays all the same).
     */
    private static void checkReplaceable(Path target) throws IOException {
        String why = notAnArray(target);
        if (why != null) {
            throw new IOException("refusing to replace " + target + ": " + why + "; only shared arrays are replaced (remove it yourself)");
        }
    }

    /** Why path is not a shared array (a regular .npy file), or null when it is one or is absent. */
    private static String notAnArray(Path path) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (!a.isRegularFile()) return "it is " + kind(a);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            byte[] head = readHead(ch, size);
            if (NpyHeader.hasMagic(head, head.length)) return null; // a .npy file, of a type read here or not
            NpyHeader.parse(head, head.length, size); // throws, saying why it is not one
            return null;
        } catch (NpyFormatException e) {
            return "it is not a .npy array (" + e.getMessage() + ")";
        }
    }

    /** "a directory", "a FIFO", ...: what a file that is not regular is. */
    static String kind(BasicFileAttributes a) {
        if (a.isDirectory()) return "a directory";
        if (a.isSymbolicLink()) return "a symbolic link";
        if (a.isRegularFile()) return "a regular file";
        return "a FIFO, socket or device";
    }

    // ---- open ------------------------------------------------------------------------------

    /**
     * Opens the .npy array called name (see {@link #resolve}).
     *
     * @param name the array's name: {@code directory()/NAME.npy}
     * @param access {@link Access#READ_ONLY} or {@link Access#READ_WRITE}
     * @return the mapped array
     * @throws IOException if there is no such array, or it is not one Paralelo can map
     *     ({@link NpyFormatException}), or the open is refused (see {@link #open(Path, Access)})
     */
    public static SharedArray open(String name, Access access) throws IOException {
        return open(resolve(name), access);
    }

    /**
     * Opens a .npy file; see {@link #open(Path, boolean)}.
     *
     * @param path the file
     * @param access {@link Access#READ_ONLY} or {@link Access#READ_WRITE}
     * @return the mapped array
     * @throws IOException if the file cannot be opened or is not a .npy file Paralelo can map
     */
    public static SharedArray open(Path path, Access access) throws IOException {
        return open(path, java.util.Objects.requireNonNull(access, "access").writable());
    }

    /**
     * Opens the .npy array called name; {@code open(name, writable ? READ_WRITE : READ_ONLY)}.
     *
     * @param name the array's name
     * @param writable whether to map it read-write
     * @return the mapped array
     * @throws IOException as {@link #open(String, Access)}
     */
    public static SharedArray open(String name, boolean writable) throws IOException {
        return open(resolve(name), writable);
    }

    /**
     * Opens a .npy file; {@link NpyFormatException} if it is not one Paralelo can map.
     *
     * <p>Every open refuses a symbolic link (the last component is opened with
     * {@code O_NOFOLLOW}) and anything that is not a regular file (a FIFO would block, a device
     * or a /proc file has no size to map), checked before the file is opened. A writable open
     * refuses a file another user owns ({@link #openWritableOfAnyOwner} opts in) and a file
     * without its owner-write bit; a read-only open of a file that other users may write logs
     * a warning (System.Logger {@code dev.paralelo}).
     *
     * @param path the file
     * @param writable whether to map it read-write; false maps it read-only, so that every write
     *     through the array throws
     * @return the mapped array
     * @throws NpyFormatException if the file is not a .npy file Paralelo can map, or is shorter
     *     than its header says ("truncated .npy file"), also when another process truncated it
     *     while it was being opened
     * @throws AccessDeniedException if a writable open meets a file another user owns or one that
     *     is read-only, or the file cannot be read
     * @throws FileSystemException if path is a symbolic link, a directory or another non-regular
     *     file, or it was replaced while being opened (or, for a raw file, truncated)
     * @throws IOException if the file cannot be opened for another reason (no such file, ...)
     */
    public static SharedArray open(Path path, boolean writable) throws IOException {
        return openFile(path, null, writable, Kind.NPY, false, null);
    }

    /**
     * A writable open of a .npy file that another user may own: the explicit opt-in {@link #open} asks for.
     *
     * @param path the file
     * @return the array, mapped read-write
     * @throws IOException as {@link #open(Path, boolean)}, except that the file's owner is not
     *     checked
     */
    public static SharedArray openWritableOfAnyOwner(Path path) throws IOException {
        return openFile(path, null, true, Kind.NPY, true, null);
    }

    /**
     * Opens a raw headerless file of elements of dtype (as {@code numpy.memmap} writes them).
     * A file whose name ends in {@code .npy} or whose first bytes are the .npy magic, or close
     * to it, is never read as raw: NpyFormatException.
     *
     * @param path the file
     * @param dtype the type of its elements; the file's size must be a multiple of its size
     * @param writable whether to map it read-write
     * @return the mapped array of size / dtype.size() elements, whose {@link #header()} is null
     * @throws NpyFormatException if the file is, or looks like, a .npy file, or its size is not a
     *     whole number of elements
     * @throws IOException if the file cannot be opened, as for {@link #open(Path, boolean)}
     */
    public static SharedArray openRaw(Path path, DType dtype, boolean writable) throws IOException {
        return openFile(path, java.util.Objects.requireNonNull(dtype, "dtype"), writable, Kind.RAW, false, null);
    }

    /**
     * Opens a .npy file, or raw data of rawType: a file is .npy when its name ends in {@code .npy}
     * or its first bytes are (or are close to) the magic, and then its header decides the type.
     *
     * @param path the file
     * @param rawType the element type if the file turns out to be raw data
     * @param writable whether to map it read-write
     * @return the mapped array; {@link #header()} tells which kind of file it was
     * @throws NpyFormatException if a .npy file's header is invalid, or raw data is not a whole
     *     number of rawType elements
     * @throws IOException if the file cannot be opened, as for {@link #open(Path, boolean)}
     */
    public static SharedArray openAny(Path path, DType rawType, boolean writable) throws IOException {
        return openFile(path, java.util.Objects.requireNonNull(rawType, "rawType"), writable, Kind.ANY, false, null);
    }

    /**
     * Opens part {@code index} of {@code parts} of an array file read-only, mapping only that
     * part: the range {@link BlockPartition#of(long, int) BlockPartition.of(n, parts)}{@code
     * .get(index)} of the file's n elements (an MPI rank's share: every rank maps its own part,
     * and no rank maps the whole). The file is read as {@link #openAny} reads it (rawType for a
     * headerless file, may be null for .npy files only), with the same checks. {@link #array()}
     * holds the part; {@link #partStart()} says where it starts in the file, {@link #fileLength()}
     * how many elements the file holds. The part starts on a block boundary, so partial states
     * computed over it merge with the other parts' to the whole file's bits (min/max indices
     * shifted by {@link dev.paralelo.Extremum#shifted}).
     *
     * @param path the file
     * @param rawType the element type of a headerless file; null accepts .npy files only
     * @param parts how many parts the file is split into (the number of ranks)
     * @param index which part to map, in [0, parts)
     * @return the part, mapped read-only
     * @throws IOException if the file cannot be opened, as for {@link #open(Path, boolean)}
     * @throws IllegalArgumentException if parts &lt; 1 or index is not in [0, parts)
     */
    public static SharedArray openPart(Path path, DType rawType, int parts, int index) throws IOException {
        if (parts < 1 || index < 0 || index >= parts) {
            throw new IllegalArgumentException("part " + index + " of " + parts + " does not exist");
        }
        return openFile(path, rawType, false, rawType == null ? Kind.NPY : Kind.ANY, false, new int[] {parts, index});
    }

    private enum Kind { NPY, RAW, ANY }

    private static final System.Logger LOG = System.getLogger("dev.paralelo");

    private static SharedArray openFile(Path path, DType rawType, boolean writable, Kind kind, boolean anyOwner, int[] part)
            throws IOException {
        PosixFileAttributes before = attributes(path);
        if (before.isSymbolicLink()) {
            throw new FileSystemException(path.toString(), null, "is a symbolic link, and links are not followed"
                    + " (another user may have planted it); open the file it points to by its own path");
        }
        if (before.isDirectory()) throw new FileSystemException(path.toString(), null, "is a directory");
        if (!before.isRegularFile()) {
            throw new FileSystemException(path.toString(), null, "is not a regular file (" + kind(before)
                    + "); only regular files are mapped");
        }
        Set<PosixFilePermission> perms = before.permissions();
        if (writable) {
            int me = Libc.geteuid();
            int owner = ownerUid(path);
            if (!anyOwner && me >= 0 && owner >= 0 && owner != me) {
                throw new AccessDeniedException(path.toString(), null, "owned by " + before.owner().getName()
                        + " (uid " + owner + "), not by this user (uid " + me + "): a writable open of another user's file "
                        + "needs the explicit opt-in (SharedArray.openWritableOfAnyOwner)");
            }
            if (!perms.contains(PosixFilePermission.OWNER_WRITE)) {
                // Checked by mode, not access(2): root may write anything, but a read-only file says what its owner wants.
                throw new AccessDeniedException(path.toString(), null, "the file is read-only (mode "
                        + PosixFilePermissions.toString(perms) + "); open it read-only");
            }
        } else if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            LOG.log(System.Logger.Level.WARNING, path + " is writable by " + (perms.contains(PosixFilePermission.OTHERS_WRITE)
                    ? "every user" : "its group") + " (mode " + PosixFilePermissions.toString(perms)
                    + "): others may change or truncate it while it is read");
        }
        FileChannel ch;
        try {
            ch = writable
                    ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
                    : FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(path.toString(), null, "permission denied");
        }
        try {
            // The checks above were made on the path; make sure it still names the same file.
            if (!java.util.Objects.equals(before.fileKey(), attributes(path).fileKey())) {
                throw new FileSystemException(path.toString(), null, "was replaced while being opened");
            }
            long size = ch.size();
            byte[] head = readHead(ch, size);
            boolean npy = kind == Kind.NPY || NpyHeader.hasMagic(head, head.length) || looksNpy(path, head);
            if (kind == Kind.RAW && npy) {
                throw new NpyFormatException("not read as raw data: " + (NpyHeader.hasMagic(head, head.length) || NpyHeader.nearMagic(head, head.length)
                        ? "its first bytes are the .npy magic or close to it" : "its name ends in .npy"));
            }
            if (npy) {
                NpyHeader h = NpyHeader.parse(head, head.length, size);
                if (h.dataOffset() % h.dtype().size() != 0) {
                    throw new NpyFormatException("unsupported .npy layout: data at offset " + h.dataOffset()
                            + " is not aligned to its " + h.dtype().size() + "-byte elements");
                }
                return map(path, ch, h.dtype(), h.dataOffset(), h.dataBytes(), writable, h, part, before.fileKey());
            }
            if (size == 0 && ch.read(ByteBuffer.allocate(1), 0) > 0) {
                throw new NpyFormatException("reports a size of 0 bytes but has content (a /proc or /sys file?); it cannot be mapped");
            }
            if (size % rawType.size() != 0) {
                throw new NpyFormatException("raw file of " + size + " bytes is not a whole number of " + rawType.label()
                        + " elements (" + rawType.size() + " bytes each); pass the right --dtype");
            }
            return map(path, ch, rawType, 0, size, writable, null, part, before.fileKey());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Whether a file must be read as .npy whatever it holds: its name ends in .npy or it starts near the magic. */
    private static boolean looksNpy(Path path, byte[] head) {
        Path name = path.getFileName();
        return (name != null && name.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".npy"))
                || NpyHeader.nearMagic(head, head.length);
    }

    private static PosixFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "no such file");
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(path.toString(), null, "permission denied");
        }
    }

    private static int ownerUid(Path path) {
        try {
            return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return -1;
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

    /** Maps the data at [offset, offset + bytes), or only part[1] of part[0] parts of its elements. */
    private static SharedArray map(Path path, FileChannel ch, DType dtype, long offset, long bytes, boolean writable,
            NpyHeader h, int[] part, Object fileKey) throws IOException {
        long n = bytes / dtype.size(), start = 0;
        if (part != null) {
            BlockRange r = BlockPartition.of(n, part[0]).get(part[1]);
            start = r.start();
            offset += start * dtype.size();
            bytes = r.length() * dtype.size();
        }
        long end = offset + bytes;
        // The size was read before the header; another process may have truncated the file
        // since. A read-only map past the end fails with a confusing "cannot extend file", and a
        // writable one would silently grow the file back with zeros: check first. (A truncation
        // in the microseconds between this check and the map's own is still grown back by a
        // writable map: FileChannel.map has no mode that refuses to extend.)
        if (bytes != 0) checkNotShrunk(path, ch, end, h, null, false);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg;
            if (bytes == 0) {
                seg = arena.allocate(0, DATA_ALIGNMENT);
            } else {
                try {
                    seg = ch.map(writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, offset, bytes, arena);
                } catch (IOException e) {
                    // Truncated between the check and the map. A read-only map fails so only on a
                    // file shorter than the mapping, even when the file grew back since: say so.
                    checkNotShrunk(path, ch, end, h, e, !writable);
                    throw e;
                }
            }
            if (!writable) seg = seg.asReadOnly();
            AccessCheck check = () -> {
                long now;
                try {
                    now = ch.size();
                } catch (IOException e) {
                    throw new IllegalStateException(path + ": cannot check the file's size: " + reason(e), e);
                }
                if (now < end) {
                    throw new IllegalStateException(path + " was truncated to " + now + " bytes while mapped; the array needs "
                            + end + " bytes. Reopen it (the data past the new end is gone)");
                }
            };
            return new SharedArray(path, arena, ch, view(dtype, seg, check), h, end, start, n, fileKey);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The error of a file that another process truncated while it was being opened, the same a
     * file truncated before the open gives: NpyFormatException "truncated .npy file" for a .npy
     * file (h not null), FileSystemException for a raw one. Returns when the file still holds end
     * bytes, unless wasShort (a read-only map failed, which it does only past the file's end: the
     * file may have grown back since).
     */
    private static void checkNotShrunk(Path path, FileChannel ch, long end, NpyHeader h, IOException cause, boolean wasShort)
            throws IOException {
        long now = ch.size();
        if (now >= end && !wasShort) return;
        String what = now < end ? "truncated to " + now + " bytes" : "shorter than " + end + " bytes (it holds " + now + " again now)";
        IOException e = h != null
                ? new NpyFormatException("truncated .npy file: it was " + what + " while being opened; shape "
                        + NpyHeader.shapeString(h.shape()) + " of " + h.dtype().numpyDescr() + " needs " + end + " bytes")
                : new FileSystemException(path.toString(), null, "was " + what + " while being opened (it had " + end + ")");
        if (cause != null) e.initCause(cause);
        throw e;
    }

    /** The file's current size in bytes. */
    long currentSize() throws IOException {
        return channel.size();
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

    /**
     * One entry of {@link #list()}: a .npy file's name, type and shape, or why it cannot be read.
     * The name is the file's, as the directory holds it: escape it before printing
     * ({@link #printable}).
     *
     * @param name the array's name: the file name without {@code .npy}
     * @param path the file
     * @param dtype the element type, or null when there is a problem
     * @param shape the dimensions, or null when there is a problem
     * @param bytes the file's size in bytes, header included
     * @param problem why the file is not a readable array (not a regular file, permission denied, a
     *     bad header), or null for an array
     */
    public record Entry(String name, Path path, DType dtype, long[] shape, long bytes, String problem) {}

    /**
     * The .npy files in {@link #directory()}, sorted by name; links and other non-regular files are listed with a problem.
     *
     * @return one entry per {@code *.npy} name that does not start with '.'; empty when the
     *     directory does not exist
     * @throws IOException if the directory cannot be listed
     */
    public static List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        Path dir = directory();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                String file = p.getFileName().toString();
                if (!file.endsWith(".npy") || file.startsWith(".")) continue;
                String name = file.substring(0, file.length() - 4);
                PosixFileAttributes a;
                try {
                    a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue; // removed meanwhile
                }
                if (!a.isRegularFile()) {
                    out.add(new Entry(name, p, null, null, a.size(), kind(a) + ", not an array"));
                    continue;
                }
                long size = a.size();
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                    byte[] head = readHead(ch, size);
                    NpyHeader h = NpyHeader.parse(head, head.length, size);
                    out.add(new Entry(name, p, h.dtype(), h.shape(), size, null));
                } catch (AccessDeniedException e) {
                    out.add(new Entry(name, p, null, null, size, "permission denied"));
                } catch (IOException e) {
                    out.add(new Entry(name, p, null, null, size, e.getMessage()));
                }
            }
        }
        return out;
    }

    /**
     * A name or message with every character that does not print as itself escaped ({@code \t}, {@code \}{@code u202E}, ...).
     *
     * @param s any string, for instance a file name from {@link #list()}
     * @return s with each character that does not print as itself replaced by an escape, safe to
     *     print on a terminal
     */
    public static String printable(String s) {
        return Names.escape(s);
    }

    /**
     * Removes the array called name; processes that map it keep their memory until they unmap.
     * Only a regular file that parses as .npy is removed: anything else is an IOException
     * ({@link #delete(String, boolean)} removes other regular files and links).
     *
     * @param name the array's name, as for {@link #resolve}
     * @throws NoSuchFileException if there is no such file
     * @throws FileSystemException if the file is not a regular file holding a .npy array; it is
     *     left in place
     * @throws IOException if the file cannot be examined or removed
     */
    public static void delete(String name) throws IOException {
        delete(name, false);
    }

    /**
     * Removes NAME.npy. With anyFile, also a regular file that is not an array, or a symbolic
     * link (the link itself); a directory or other special file is never removed.
     *
     * @param name the array's name, as for {@link #resolve}
     * @param anyFile whether any regular file or symbolic link at that name may go, not only an
     *     array
     * @throws NoSuchFileException if there is no such file
     * @throws FileSystemException if it is a directory or other special file, or (without anyFile)
     *     not an array; it is left in place
     * @throws IOException if the file cannot be examined or removed
     */
    public static void delete(String name, boolean anyFile) throws IOException {
        Path p = resolve(name);
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(p.toString(), null, "no such shared array");
        }
        boolean removable = a.isRegularFile() || (anyFile && a.isSymbolicLink());
        if (!removable) throw new FileSystemException(p.toString(), null, "is " + kind(a) + ", not a shared array; not removed");
        if (!anyFile) {
            String why = notAnArray(p);
            if (why != null) {
                throw new FileSystemException(p.toString(), null, why + "; not removed (remove it explicitly: shm rm --any-file)");
            }
        }
        if (!Files.deleteIfExists(p)) throw new NoSuchFileException(p.toString(), null, "no such shared array");
    }

    // ---- the array ---------------------------------------------------------------------------

    /**
     * The mapped elements, in storage (file) order, flat whatever the shape: {@code get(i)}
     * indexes the file's order, C or Fortran ({@link #isFortranOrder()}).
     *
     * @return the elements, valid until this SharedArray is closed; of the header's element type
     */
    public NumArray array() {
        return array;
    }

    /**
     * The array as type, or IllegalArgumentException naming both types.
     *
     * @param <A> the array class
     * @param type {@code F64Array.class}, {@code F32Array.class}, {@code I64Array.class} or
     *     {@code I32Array.class}
     * @return {@link #array()}, cast
     * @throws IllegalArgumentException if the elements are of another type
     */
    public <A extends NumArray> A array(Class<A> type) {
        if (!type.isInstance(array)) {
            throw new IllegalArgumentException(path + " holds " + array.dtype().label() + " elements, not " + type.getSimpleName());
        }
        return type.cast(array);
    }

    /**
     * The .npy header, or null for a raw file.
     *
     * @return the header as parsed at open (or as written at create)
     */
    public NpyHeader header() {
        return header;
    }

    /**
     * The shape: the header's, or one dimension for a raw file.
     *
     * @return a copy of the dimensions; a raw file's is {length}
     */
    public long[] shape() {
        return header != null ? header.shape().clone() : new long[] {array.length()};
    }

    /**
     * Whether the elements are in Fortran (column-major) order, as the .npy header's
     * {@code fortran_order} says (false for a raw file). {@link #array()} is the elements in
     * storage order either way: for a Fortran-order 2-D array of shape (r, c), element (i, j)
     * is {@code array().get(i + j * r)}; in C order it is {@code get(i * c + j)}. Reductions
     * over the whole array do not depend on the order.
     *
     * @return true for Fortran order
     */
    public boolean isFortranOrder() {
        return header != null && header.fortranOrder();
    }

    /**
     * The file.
     *
     * @return the path the array was created or opened at
     */
    public Path path() {
        return path;
    }

    /**
     * Whether writes through this mapping are rejected.
     *
     * @return true if the file was opened read-only
     */
    public boolean isReadOnly() {
        return array.isReadOnly();
    }

    /**
     * Where {@link #array()} starts in the file.
     *
     * @return the index in the file of the array's element 0: 0 but for {@link #openPart}
     */
    public long partStart() {
        return partStart;
    }

    /**
     * How many elements the file holds.
     *
     * @return the file's element count: {@link #array()}'s length but for {@link #openPart}
     */
    public long fileLength() {
        return fileLength;
    }

    /**
     * File bytes the mapping covers (header included).
     *
     * @return the offset just past the last mapped byte: header length plus data bytes for a .npy
     *     file, the file size at open for a raw one
     */
    public long mappedEnd() {
        return mappedEnd;
    }

    /**
     * IllegalStateException if the file is now shorter than the mapping (another process
     * truncated it): the check every kernel call makes first, for a caller to repeat after its
     * last call, so that a truncation that raced with the call is not missed.
     */
    public void checkIntact() {
        long now;
        try {
            now = channel.size();
        } catch (IOException e) {
            throw new IllegalStateException(path + ": cannot check the file's size: " + reason(e), e);
        }
        if (now < mappedEnd) {
            throw new IllegalStateException(path + " was truncated to " + now + " bytes while mapped; the array needs "
                    + mappedEnd + " bytes");
        }
    }

    /** Why an IOException of the array's own channel happened, in words (a closed channel has no message). */
    private static String reason(IOException e) {
        if (e instanceof java.nio.channels.ClosedChannelException) return "the array was closed";
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * IllegalStateException unless the path still names the file this array maps. Another
     * process may have removed that file or put another one at its path ({@code createOrReplace}
     * does): this array keeps the memory it maps, but whatever opens the path from then on, a
     * worker pool's workers among them, gets the other file or none.
     *
     * @throws IllegalStateException if the path names no file, or another file than the one this
     *     array maps
     */
    public void checkSameFile() {
        Object now;
        try {
            now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            throw new IllegalStateException(path + " was removed since this array mapped it; its workers or readers would find "
                    + "no file there");
        } catch (IOException e) {
            throw new IllegalStateException(path + ": cannot check which file it names: " + reason(e), e);
        }
        if (fileKey != null && !fileKey.equals(now)) {
            throw new IllegalStateException(path + " names another file than the one this array maps (it was replaced, e.g. by "
                    + "createOrReplace); whatever opens the path now reads the other file: reopen the array");
        }
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

    /**
     * Unmaps the file and removes it, if the path still names it. Another process may have put
     * another file at the path since this array created or opened it ({@code createOrReplace},
     * or a delete and a new create there): that file is its data, and is left in place. The path
     * is compared with this array's file by device and inode ({@link #checkSameFile()}) while the
     * file is still open, so that its inode cannot have been reused, and removed right after.
     * What remains is the moment between that check and the unlink: a file renamed onto the
     * path within those microseconds is removed instead. (After {@link #close()} nothing keeps
     * the inode: a delete then compares as well, but a reused inode number would match.)
     *
     * @return true if the file was removed; false if the path names no file, or another file
     *     than the one this array maps, which is left alone
     * @throws IOException if the path cannot be examined or the file cannot be removed (it is
     *     unmapped by then)
     */
    public boolean delete() throws IOException {
        try {
            Object now;
            try {
                now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            } catch (NoSuchFileException e) {
                return false;
            }
            // No key (a filesystem without inode numbers): nothing to compare, remove as before.
            if (fileKey != null && !fileKey.equals(now)) return false;
            try {
                Files.delete(path);
            } catch (NoSuchFileException e) {
                return false;
            }
            return true;
        } finally {
            close(); // after the check: the open channel keeps the inode from being reused
        }
    }
}
