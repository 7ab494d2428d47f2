package dev.paralelo.internal.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * The few C library calls the shared-memory layer needs and Java does not offer: reserving a
 * file's blocks ({@code posix_fallocate}: a sparse file on a full tmpfs turns a later write into
 * SIGBUS) and the effective user id. Bound through the linker's default lookup (the C library
 * the JVM itself uses), in the style of the generated bindings: one descriptor and handle each,
 * {@code invokeExact} only. Linux only; {@link #available()} says whether the symbols were found.
 */
@SuppressWarnings("restricted")
public final class Libc {
    private Libc() {}

    /** errno values the callers name. */
    public static final int ENOSPC = 28, EFBIG = 27, EOPNOTSUPP = 95, EINVAL = 22;

    private static final int O_WRONLY = 1, O_CLOEXEC = 0x80000;
    /** O_NOFOLLOW differs between architectures; 0 where it is not known (the name is ours anyway). */
    private static final int O_NOFOLLOW = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
        case "amd64", "x86_64" -> 0x20000;
        case "aarch64", "arm64" -> 0x8000;
        default -> 0;
    };

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        Optional<MemorySegment> sym = LIBC.find(name);
        return sym.map(s -> LINKER.downcallHandle(s, fd, options)).orElse(null);
    }

    private static final class Holders {
        static final MethodHandle OPEN = bind("open",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
        static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle POSIX_FALLOCATE = bind("posix_fallocate",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        static final MethodHandle GETEUID = bind("geteuid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
        static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
                .byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    }

    /** Whether posix_fallocate and its helpers were found. */
    public static boolean available() {
        return Holders.OPEN != null && Holders.CLOSE != null && Holders.POSIX_FALLOCATE != null;
    }

    /**
     * Allocates the blocks of bytes [0, length) of the file at path (extending it when shorter),
     * so that later writes into a mapping of it cannot fail for lack of space. Returns 0, or
     * the errno value (ENOSPC when the filesystem is full).
     */
    public static int fallocate(String path, long length) {
        if (!available()) return EOPNOTSUPP;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Linker.Option.captureStateLayout());
            int fd = (int) Holders.OPEN.invokeExact(state, a.allocateFrom(path), O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
            if (fd < 0) return state.get(ValueLayout.JAVA_INT, Holders.ERRNO_OFFSET);
            try {
                return (int) Holders.POSIX_FALLOCATE.invokeExact(fd, 0L, length);
            } finally {
                int unused = (int) Holders.CLOSE.invokeExact(fd);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The effective user id, or -1 when it cannot be read. */
    public static int geteuid() {
        if (Holders.GETEUID == null) return -1;
        try {
            return (int) Holders.GETEUID.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
