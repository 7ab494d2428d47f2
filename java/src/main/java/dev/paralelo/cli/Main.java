package dev.paralelo.cli;

import dev.paralelo.kernel.ConfigurationException;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;

/**
 * The {@code paralelo} command line. Exit status: 0 success, 2 bad usage or bad input (one
 * line on stderr), 1 an unexpected failure.
 */
public final class Main {
    private Main() {}

    static final String USAGE = """
            usage: paralelo <command> [options]
              stats FILE [--dtype f64|f32|i64|i32] [--threads N] [--json]
                  count, sum, mean, min, max and std of a .npy file, a raw file (--dtype
                  required) or a shared array's NAME, mapped (not read)
              shm create NAME --dtype D --length N [--fill zeros|arange|random] [--force]
              shm ls
              shm rm NAME [--any-file]
                  shared arrays (.npy files in /dev/shm, or -Dparalelo.shm.dir) for other processes
              demo [--workers N] [--json]
                  the talk's task farm: arange(1<<22) float32 in shared memory, summed by N
                  worker processes (default: one per core), checked against one process
              sum FILE [--workers N] [--dtype D] [--json]
                  [--listen tcp://HOST:PORT [--key F.key_secret --allow DIR | --insecure] [--wait S]
                   [--await-workers N]]
                  the sum of an array file or shared array, computed by N worker processes,
                  and by workers that attach over the network when it listens (--workers 0: only those)
              worker --connect ENDPOINT [--threads T] [--key F.key_secret --server-key F.key | --insecure]
                  a worker process: the pool starts these; one started by hand attaches to a
                  pool that listens (tcp://HOST:PORT), at any time
              keys generate DIR [--name NAME]
                  a CURVE key pair: DIR/NAME.key (public) and DIR/NAME.key_secret (mode 0600)
              info
                  which kernels run here and why
            """;

    /** A user error: printed as one line, exit status 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * An I/O failure as one line: "PATH: reason", with "permission denied" or "no such file"
     * where the JDK gives only the path; subject names what the user typed when the failure
     * does not name a file.
     */
    static String describe(IOException e, String subject) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String reason = f.getReason();
            if (reason == null) {
                reason = e instanceof AccessDeniedException ? "permission denied"
                        : e instanceof NoSuchFileException ? "no such file"
                        : e instanceof FileAlreadyExistsException ? "already exists" : e.getClass().getSimpleName();
            }
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason;
        }
        return subject + ": " + (e.getMessage() != null ? e.getMessage() : e.toString());
    }

    /** Entry point; exits with the command's status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit status instead of exiting. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            (args.length == 0 ? err : out).print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "stats" -> StatsCommand.run(rest, out);
                case "bench" -> throw new UsageException("the benchmark report runs from the launcher: ./paralelo bench [--full] [--json FILE]");
                case "info" -> InfoCommand.run(out);
                case "shm" -> ShmCommand.run(rest, out);
                case "demo" -> PoolCommands.demo(rest, out);
                case "sum" -> PoolCommands.sum(rest, out, err);
                case "worker" -> PoolCommands.worker(rest);
                case "keys" -> KeysCommand.run(rest, out);
                default -> throw new UsageException("unknown command '" + args[0] + "'; try paralelo --help");
            };
        } catch (UsageException | ConfigurationException e) {
            // One line, whatever the message holds: names and paths come from the user or a directory.
            err.println("paralelo: " + SharedArray.printable(e.getMessage()));
            return 2;
        } catch (OutOfMemoryError e) {
            err.println("paralelo: out of memory: " + e.getMessage());
            return 1;
        }
    }
}
