package dev.paralelo.internal.ffi;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds and loads libparalelo once, in a fixed order:
 * <ol>
 *   <li>the file named by the system property {@code paralelo.library};</li>
 *   <li>the copy bundled in the jar under {@code /native/<os>-<arch>/libparalelo.so}, extracted
 *       to a private temporary file;</li>
 *   <li>{@code System.loadLibrary("paralelo")}, i.e. {@code java.library.path}.</li>
 * </ol>
 * When all fail, the error lists each attempt and says what to do.
 */
@SuppressWarnings("restricted")
public final class LibraryLoader {
    /** System property naming the library file to load first. */
    public static final String PROPERTY = "paralelo.library";

    private LibraryLoader() {}

    private static final class Holder {
        static final Loaded LOADED = load();
    }

    private record Loaded(SymbolLookup lookup, String source, Throwable failure) {}

    /** The loaded library's symbols; UnsatisfiedLinkError with every attempt's reason if none loads. */
    public static SymbolLookup lookup() {
        Loaded l = Holder.LOADED;
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

    private static Loaded load() {
        List<String> attempts = new ArrayList<>();
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            try {
                Path p = Path.of(prop).toAbsolutePath();
                return new Loaded(SymbolLookup.libraryLookup(p, Arena.global()), "-D" + PROPERTY + "=" + p, null);
            } catch (RuntimeException e) {
                attempts.add(PROPERTY + "=" + prop + ": " + e.getMessage());
            }
        }
        String resource = "/native/" + platform() + "/libparalelo.so";
        try (InputStream in = LibraryLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                attempts.add("bundled " + resource + ": not in the jar (no build for " + platform() + ")");
            } else {
                Path tmp = Files.createTempFile("libparalelo-", ".so");
                tmp.toFile().deleteOnExit();
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                return new Loaded(SymbolLookup.libraryLookup(tmp, Arena.global()), "bundled " + resource, null);
            }
        } catch (IOException | RuntimeException e) {
            attempts.add("bundled " + resource + ": " + e.getMessage());
        }
        try {
            System.loadLibrary("paralelo");
            return new Loaded(SymbolLookup.loaderLookup(), "java.library.path", null);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            attempts.add("System.loadLibrary(\"paralelo\"): " + e.getMessage());
        }
        String msg = "libparalelo could not be loaded (" + String.join("; ", attempts) + "). "
                + "Build it with ./paralelo build (or cmake -S . -B build && cmake --build build) and pass "
                + "-D" + PROPERTY + "=/path/to/libparalelo.so; run the JVM with "
                + "--enable-native-access=ALL-UNNAMED (with the jar on the module path: --enable-native-access=dev.paralelo); "
                + "or use -Dparalelo.provider=java for pure-Java kernels.";
        return new Loaded(null, null, new UnsatisfiedLinkError(msg));
    }
}
