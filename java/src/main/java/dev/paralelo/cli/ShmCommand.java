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
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.SplittableRandom;

/** {@code paralelo shm create|ls|rm}: shared arrays other processes can map. */
final class ShmCommand {
    private ShmCommand() {}

    static int run(String[] args, PrintStream out) throws UsageException {
        if (args.length == 0) throw new UsageException("shm needs a subcommand: create, ls or rm");
        try {
            return switch (args[0]) {
                case "create" -> create(args, out);
                case "ls" -> {
                    if (args.length != 1) throw new UsageException("usage: shm ls");
                    yield list(out);
                }
                case "rm" -> remove(args);
                default -> throw new UsageException("unknown shm subcommand '" + args[0] + "'; use create, ls or rm");
            };
        } catch (FileAlreadyExistsException e) {
            throw new UsageException(e.getFile() + " already exists; pass --force to replace it");
        } catch (NoSuchFileException e) {
            throw new UsageException(e.getFile() + ": no such shared array");
        } catch (IOException e) {
            throw new UsageException(Main.describe(e, "shm " + args[0]));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new UsageException(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    /** rm NAME [--any-file]: an array only, unless --any-file (still never a directory or device). */
    private static int remove(String[] args) throws IOException, UsageException {
        String name = null;
        boolean anyFile = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--any-file")) anyFile = true;
            else if (args[i].startsWith("--")) throw new UsageException("unknown option " + args[i] + " for shm rm");
            else if (name != null) throw new UsageException("usage: shm rm NAME [--any-file]");
            else name = args[i];
        }
        if (name == null) throw new UsageException("usage: shm rm NAME [--any-file]");
        SharedArray.delete(name, anyFile);
        return 0;
    }

    private static int create(String[] args, PrintStream out) throws IOException, UsageException {
        String name = null, fill = "zeros";
        DType dtype = null;
        long length = -1;
        boolean force = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--dtype" -> dtype = DType.parse(need(args, ++i, "--dtype"));
                case "--length" -> {
                    String v = need(args, ++i, "--length");
                    try {
                        length = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new UsageException("--length takes a non-negative integer, got '" + v + "'");
                    }
                    if (length < 0) throw new UsageException("--length takes a non-negative integer, got '" + v + "'");
                }
                case "--fill" -> fill = need(args, ++i, "--fill");
                case "--force" -> force = true;
                default -> {
                    if (args[i].startsWith("--")) throw new UsageException("unknown option " + args[i] + " for shm create");
                    if (name != null) throw new UsageException("shm create takes one NAME");
                    name = args[i];
                }
            }
        }
        if (name == null || dtype == null || length < 0) {
            throw new UsageException("usage: shm create NAME --dtype f64|f32|i64|i32 --length N [--fill zeros|arange|random] [--force]");
        }
        if (!fill.equals("zeros") && !fill.equals("arange") && !fill.equals("random")) {
            throw new UsageException("--fill takes zeros, arange or random, got '" + fill + "'");
        }
        String how = fill;
        // Filled before it is published: a reader sees no array or the whole, filled one.
        try (SharedArray a = SharedArray.create(SharedArray.resolve(name), dtype, new long[] {length}, force, x -> fill(x, how))) {
            out.println(a.path() + ": " + dtype.label() + ", shape " + NpyHeader.shapeString(a.shape()));
        }
        return 0;
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
    private static int list(PrintStream out) throws IOException {
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
        return 0;
    }

    private static String need(String[] args, int i, String opt) throws UsageException {
        if (i >= args.length) throw new UsageException(opt + " needs a value");
        return args[i];
    }
}
