package dev.paralelo.cli;

import dev.paralelo.DType;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.kernel.ConfigurationException;
import dev.paralelo.shm.NpyFormatException;
import dev.paralelo.shm.NpyHeader;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A FILE argument ({@code stats}, {@code sum}): a path or a shared array's name, opened
 * read-only and mapped, with every failure as one line.
 */
final class ArrayArgument {
    private ArrayArgument() {}

    /**
     * Opens the array FILE names: a .npy file (its header gives the type; a {@code dtype} must
     * agree with it) or a raw file of {@code dtype} elements.
     */
    static SharedArray open(String file, DType dtype) throws UsageException {
        Path path = locate(file);
        SharedArray a;
        try {
            a = dtype == null ? SharedArray.open(path, false) : SharedArray.openAny(path, dtype, false);
        } catch (NpyFormatException e) {
            // A name ending in .npy is always read as .npy, whatever --dtype says: the hint fits
            // other names only.
            boolean npyName = path.getFileName() != null && path.getFileName().toString().endsWith(".npy");
            String hint = !e.getMessage().startsWith("not a .npy file") ? ""
                    : npyName ? "; a raw file (no header) must not be named *.npy: rename it, then give --dtype f64|f32|i64|i32"
                    : dtype == null ? "; a raw file (no header) needs --dtype f64|f32|i64|i32" : "";
            throw new UsageException(file + ": " + e.getMessage() + hint);
        } catch (IOException e) {
            throw new UsageException(Main.describe(e, file));
        } catch (ConfigurationException e) {
            throw e; // a setting, not the file: one line of its own
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UsageException(file + ": " + e.getMessage());
        }
        NpyHeader h = a.header();
        if (dtype != null && h != null && h.dtype() != dtype) {
            a.close();
            throw new UsageException(file + ": --dtype " + dtype.label() + " contradicts the .npy header, which says "
                    + h.dtype().label() + " (" + h.dtype().numpyDescr() + "); drop --dtype for a .npy file");
        }
        return a;
    }

    /**
     * The file a FILE argument names. An argument with a '/' is a path (relative to the current
     * directory). A bare word is a path when such a file exists here, else a shared array's
     * name (see {@link SharedArray#resolve}); when it is both, which one is meant is not
     * guessed.
     */
    static Path locate(String arg) throws UsageException {
        Path asPath;
        try {
            asPath = Path.of(arg);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException("'" + SharedArray.printable(arg) + "' is not a valid path: " + e.getReason());
        }
        if (arg.contains("/")) return asPath;
        boolean isFile = Files.exists(asPath, LinkOption.NOFOLLOW_LINKS);
        Path named;
        try {
            named = SharedArray.resolve(arg);
        } catch (IllegalArgumentException e) {
            if (isFile) return asPath;
            throw new UsageException(SharedArray.printable(arg) + ": no such file, and not a shared array name ("
                    + e.getMessage() + ")");
        }
        boolean isNamed = Files.exists(named, LinkOption.NOFOLLOW_LINKS);
        if (isFile && isNamed && !sameFile(asPath, named)) {
            throw new UsageException("'" + SharedArray.printable(arg) + "' is ambiguous: it names the file ./" + SharedArray.printable(arg)
                    + " and the shared array " + SharedArray.printable(named.toString()) + "; write ./"
                    + SharedArray.printable(arg) + " for the file or the shared array's full path");
        }
        if (isFile) return asPath;
        if (isNamed) return named;
        throw new UsageException(SharedArray.printable(arg) + ": no such file or shared array (looked in ./ and "
                + SharedArray.directory() + ")");
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

}
