package dev.paralelo.internal.ffi;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds and loads libparalelo once, in a fixed order (and libparalelo_mpi, the MPI shim, the
 * same way but only when MPI is first used: {@link #mpiLookup()}, property
 * {@code paralelo.mpi.library}):
 * <ol>
 *   <li>the file named by the system property {@code paralelo.library} (when set, only that
 *       file: one that does not load is an error);</li>
 *   <li>the copy bundled in the jar under {@code /native/<os>-<arch>/libparalelo.so}, extracted
 *       once to a content-addressed cache, {@code $XDG_CACHE_HOME/paralelo/<sha256>/} (else
 *       {@code ~/.cache/paralelo/<sha256>/}; {@code -Dparalelo.cache.dir} overrides the parent),
 *       owner-only, reused by later starts and checked against its hash before every load;
 *       when no cache directory is usable, a private temporary copy that is deleted as soon as
 *       it is loaded;</li>
 *   <li>{@code System.loadLibrary("paralelo")}, i.e. {@code java.library.path}.</li>
 * </ol>
 * When all fail, the error lists each attempt and says what to do.
 */
@SuppressWarnings("restricted")
public final class LibraryLoader {
    /** System property naming the library file to load first. */
    public static final String PROPERTY = "paralelo.library";
    /** System property naming the MPI shim's file to load first. */
    public static final String MPI_PROPERTY = "paralelo.mpi.library";

    private LibraryLoader() {}

    /** A library: the property naming its file, its file name in the jar, its System.loadLibrary name, what to do if it fails. */
    private record Library(String property, String file, String name, String advice) {}

    private static final Library CORE = new Library(PROPERTY, "libparalelo.so", "paralelo",
            "Build it with ./paralelo build (or cmake -S . -B build && cmake --build build) and pass "
            + "-D" + PROPERTY + "=/path/to/libparalelo.so; run the JVM with "
            + "--enable-native-access=ALL-UNNAMED (with the jar on the module path: --enable-native-access=dev.paralelo); "
            + "or use -Dparalelo.provider=java for pure-Java kernels.");
    private static final Library MPI = new Library(MPI_PROPERTY, "libparalelo_mpi.so", "paralelo_mpi",
            "It is built only where CMake finds MPI: install Open MPI (apt-get install openmpi-bin libopenmpi-dev), "
            + "rebuild with ./paralelo build, or pass -D" + MPI_PROPERTY + "=/path/to/libparalelo_mpi.so; the JVM needs "
            + "--enable-native-access=ALL-UNNAMED (module path: --enable-native-access=dev.paralelo).");

    private static final class Holder {
        static final Loaded LOADED = load(CORE);
    }

    private static final class MpiHolder {
        static final Loaded LOADED = load(MPI);
    }

    private record Loaded(SymbolLookup lookup, String source, Throwable failure) {}

    /**
     * The loaded library's symbols; UnsatisfiedLinkError with every attempt's reason if none
     * loads, and IllegalStateException if {@code -Dparalelo.library} names a file that does not
     * load (a setting that names nothing valid: never a silent fallback to another library, nor
     * to the pure-Java kernels).
     */
    public static SymbolLookup lookup() {
        Loaded l = Holder.LOADED;
        if (l.failure instanceof IllegalStateException e) throw new IllegalStateException(e.getMessage(), e);
        return lookupOf(l);
    }

    /** The MPI shim's symbols, loaded on first use; UnsatisfiedLinkError saying how to get it if it does not load. */
    public static SymbolLookup mpiLookup() {
        return lookupOf(MpiHolder.LOADED);
    }

    /** Where the MPI shim came from, or why it did not load (loads it). */
    public static String mpiSource() {
        Loaded l = MpiHolder.LOADED;
        return l.lookup != null ? l.source : l.failure.getMessage();
    }

    private static SymbolLookup lookupOf(Loaded l) {
        if (l.lookup == null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(l.failure.getMessage());
            e.initCause(l.failure);
            throw e;
        }
        return l.lookup;
    }

    /** Where the library came from, or why it did not load. */
    public static String source() {
        Loaded l = Holder.LOADED;
        return l.lookup != null ? l.source : l.failure.getMessage();
    }

    /** Platform directory name used inside the jar, e.g. {@code linux-x86_64}. */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.equals("amd64")) arch = "x86_64";
        return (os.contains("linux") ? "linux" : os.replace(' ', '_')) + "-" + arch;
    }

    /** System property naming the cache directory's parent; default $XDG_CACHE_HOME, else ~/.cache. */
    public static final String CACHE_PROPERTY = "paralelo.cache.dir";

    /** Hex SHA-256 of bytes. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    /** The directory the per-hash cache directories go in: {@code <cache home>/paralelo}. */
    static Path cacheRoot() {
        String prop = System.getProperty(CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) return Path.of(prop).toAbsolutePath().resolve("paralelo");
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && xdg.startsWith("/")) return Path.of(xdg, "paralelo"); // the spec ignores relative values
        return Path.of(System.getProperty("user.home"), ".cache", "paralelo");
    }

    /**
     * The library in the content-addressed cache, {@code <cache root>/<sha256>/libparalelo.so}:
     * reused when its bytes hash to sha, (re)written otherwise. Both directories must be this
     * user's, not links, and writable by nobody else (new ones are made 0700), so that nobody
     * can swap the file between the hash check and the load.
     */
    private static Path cached(byte[] bytes, String sha, String file) throws IOException {
        Path root = cacheRoot();
        Path dir = root.resolve(sha);
        Files.createDirectories(root.getParent());
        privateDirectory(root);
        privateDirectory(dir);
        Path lib = dir.resolve(file);
        if (Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS) && sha.equals(sha256(readNoFollow(lib)))) return lib;
        Path tmp = Files.createTempFile(dir, "." + file + "-", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        if (!sha.equals(sha256(readNoFollow(lib)))) throw new IOException(lib + " does not hold what was written to it");
        return lib;
    }

    private static byte[] readNoFollow(Path p) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                InputStream in = java.nio.channels.Channels.newInputStream(ch)) {
            return in.readAllBytes();
        }
    }

    /** Creates dir 0700 if missing; IOException unless it is a directory of this user's that no one else may write. */
    private static void privateDirectory(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            // checked below
        }
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory()) throw new IOException(dir + " is not a directory");
        String me = System.getProperty("user.name");
        if (!a.owner().getName().equals(me)) throw new IOException(dir + " belongs to " + a.owner().getName() + ", not to " + me);
        Set<PosixFilePermission> p = a.permissions();
        if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " is writable by other users (mode " + PosixFilePermissions.toString(p) + ")");
        }
    }

    private static Loaded load(Library library) {
        List<String> attempts = new ArrayList<>();
        String prop = System.getProperty(library.property);
        if (prop != null && !prop.isBlank()) {
            try {
                Path p = Path.of(prop).toAbsolutePath();
                return new Loaded(SymbolLookup.libraryLookup(p, Arena.global()), "-D" + library.property + "=" + p, null);
            } catch (RuntimeException e) {
                // The user named this file: another library in its place would be measured or
                // trusted as if it were the one named.
                String why = "-D" + library.property + "=" + prop + " names no library that loads (" + e.getMessage()
                        + "): fix the path, or leave the property out to use the bundled library";
                return new Loaded(null, null, library == CORE ? new IllegalStateException(why) : new UnsatisfiedLinkError(why));
            }
        }
        String resource = "/native/" + platform() + "/" + library.file;
        try (InputStream in = LibraryLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                attempts.add("bundled " + resource + ": not in the jar (no build for " + platform() + ")");
            } else {
                byte[] bytes = in.readAllBytes();
                String sha = sha256(bytes);
                Path cached;
                try {
                    cached = cached(bytes, sha, library.file);
                } catch (IOException | RuntimeException e) {
                    cached = null;
                    attempts.add("cache: " + e.getMessage());
                }
                if (cached != null) {
                    return new Loaded(SymbolLookup.libraryLookup(cached, Arena.global()), "bundled " + resource + " (cached in "
                            + cached.getParent() + ")", null);
                }
                // No usable cache: a private temporary copy, deleted as soon as it is loaded (the
                // mapping keeps the library alive), so that nothing is left behind even by kill -9
                // after start-up.
                Path tmp = Files.createTempFile("lib" + library.name + "-", ".so", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
                try {
                    Files.write(tmp, bytes);
                    return new Loaded(SymbolLookup.libraryLookup(tmp, Arena.global()), "bundled " + resource
                            + " (from a temporary copy; " + String.join("; ", attempts) + ")", null);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        } catch (IOException | RuntimeException e) {
            attempts.add("bundled " + resource + ": " + e.getMessage());
        }
        try {
            System.loadLibrary(library.name);
            return new Loaded(SymbolLookup.loaderLookup(), "java.library.path", null);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            attempts.add("System.loadLibrary(\"" + library.name + "\"): " + e.getMessage());
        }
        String msg = "lib" + library.name + " could not be loaded (" + String.join("; ", attempts) + "). " + library.advice;
        return new Loaded(null, null, new UnsatisfiedLinkError(msg));
    }
}
