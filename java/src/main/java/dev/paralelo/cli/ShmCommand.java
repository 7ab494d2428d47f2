package dev.paralelo.cli;

import dev.paralelo.DType;
import dev.paralelo.F32Array;
import dev.paralelo.F64Array;
import dev.paralelo.I32Array;
import dev.paralelo.I64Array;
import dev.paralelo.NumArray;
import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.shm.NpyHeader;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code paralelo shm create|ls|rm}: shared arrays other processes can map. */
@Command(name = "shm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "(create | ls | rm)",
        description = "Shared arrays: .npy files in /dev/shm (or -Dparalelo.shm.dir) that other processes map.",
        subcommands = {ShmCommand.Create.class, ShmCommand.List.class, ShmCommand.Remove.class})
final class ShmCommand implements Callable<Integer> {
    @Override
    public Integer call() throws UsageException {
        throw new UsageException("shm needs a subcommand: create, ls or rm");
    }

    /** Runs an action, turning the file system's failures into one-line usage errors. */
    static int guarded(String what, IoAction action) throws UsageException {
        try {
            return action.run();
        } catch (FileAlreadyExistsException e) {
            if (e.getFile() != null && java.nio.file.Files.isSymbolicLink(java.nio.file.Path.of(e.getFile()))) {
                throw new UsageException(e.getFile() + " is a symbolic link: a shared array is never made or replaced through one"
                        + " (if the link is yours, shm rm --any-file removes it, and not what it points to)");
            }
            throw new UsageException(e.getFile() + " already exists; pass --force to replace it");
        } catch (NoSuchFileException e) {
            java.nio.file.Path f = e.getFile() == null ? null : java.nio.file.Path.of(e.getFile());
            if (f != null && f.getParent() != null && !java.nio.file.Files.isDirectory(f.getParent())) {
                throw new UsageException(f + ": the shared-array folder " + f.getParent()
                        + " does not exist (it is /dev/shm unless -Dparalelo.shm.dir names another)");
            }
            throw new UsageException(e.getFile() + ": no such shared array");
        } catch (IOException e) {
            throw new UsageException(Main.describe(e, "shm " + what));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new UsageException(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    @FunctionalInterface
    interface IoAction {
        int run() throws IOException, UsageException;
    }

    /** {@code shm create NAME --dtype D --length N [--fill zeros|arange|random] [--force]}. */
    @Command(name = "create", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Creates a shared array, filled before other processes can see it.")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "the array's name: /dev/shm/NAME.npy")
        String name;

        @Option(names = "--dtype", paramLabel = "D", required = true, converter = DTypeConverter.class,
                description = "element type: f64, f32, i64, i32 (or numpy's names)")
        DType dtype;

        @Option(names = "--length", paramLabel = "N", required = true, description = "number of elements")
        long length;

        @Option(names = "--fill", paramLabel = "HOW", defaultValue = "zeros",
                description = "zeros (default), arange (0, 1, 2, ...) or random (seed 42)")
        String fill;

        @Option(names = "--force", description = "replace an existing array of that name")
        boolean force;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws UsageException {
            if (length < 0) throw new UsageException("--length takes a non-negative integer, got '" + length + "'");
            if (!fill.equals("zeros") && !fill.equals("arange") && !fill.equals("random")) {
                throw new UsageException("--fill takes zeros, arange or random, got '" + fill + "'");
            }
            PrintWriter out = spec.commandLine().getOut();
            return guarded("create", () -> {
                String how = fill;
                // Filled before it is published: a reader sees no array or the whole, filled one.
                try (SharedArray a = SharedArray.create(SharedArray.resolve(name), dtype, new long[] {length}, force,
                        x -> fill(x, how))) {
                    out.println(a.path() + ": " + dtype.label() + ", shape " + NpyHeader.shapeString(a.shape()));
                }
                out.flush();
                return 0;
            });
        }
    }

    /** {@code shm ls}. */
    @Command(name = "ls", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Lists the shared arrays: name, type, shape, bytes.")
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws UsageException {
            return guarded("ls", () -> list(spec.commandLine().getOut()));
        }
    }

    /** {@code shm rm NAME [--any-file]}: an array only, unless --any-file (still never a directory or device). */
    @Command(name = "rm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Removes a shared array (only an array, unless --any-file).")
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "the array's name")
        String name;

        @Option(names = "--any-file", description = "also remove another regular file or a link of that name (never a directory)")
        boolean anyFile;

        @Override
        public Integer call() throws UsageException {
            return guarded("rm", () -> {
                SharedArray.delete(name, anyFile);
                return 0;
            });
        }
    }

    /** arange writes i; random writes uniform [0, 1) floats or full-range integers, seed 42. */
    private static void fill(NumArray a, String how) {
        if (how.equals("zeros")) return;
        boolean arange = how.equals("arange");
        SplittableRandom r = new SplittableRandom(42);
        long n = a.length();
        switch (a) {
            case F64Array x -> { for (long i = 0; i < n; i++) x.set(i, arange ? i : r.nextDouble()); }
            case F32Array x -> { for (long i = 0; i < n; i++) x.set(i, arange ? i : (float) r.nextDouble()); }
            case I64Array x -> { for (long i = 0; i < n; i++) x.set(i, arange ? i : r.nextLong()); }
            case I32Array x -> { for (long i = 0; i < n; i++) x.set(i, arange ? (int) i : r.nextInt()); }
        }
    }

    /** One line per array; names are escaped (another user may have planted any bytes there). */
    private static int list(PrintWriter out) throws IOException {
        var entries = SharedArray.list();
        out.printf("%-24s %-5s %-20s %14s%n", "NAME", "TYPE", "SHAPE", "BYTES");
        for (SharedArray.Entry e : entries) {
            String name = SharedArray.printable(e.name());
            if (e.problem() != null) {
                out.printf("%-24s %-5s %-20s %14d  (%s)%n", name, "?", "?", e.bytes(), SharedArray.printable(e.problem()));
            } else {
                out.printf("%-24s %-5s %-20s %14d%n", name, e.dtype().label(), NpyHeader.shapeString(e.shape()), e.bytes());
            }
        }
        out.flush();
        return 0;
    }
}
