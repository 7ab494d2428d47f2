package dev.paralelo.cli;

import dev.paralelo.kernel.ConfigurationException;
import java.io.PrintStream;
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
                  count, sum, mean, min, max and std of a .npy or raw file, mapped (not read)
              shm create NAME --dtype D --length N [--fill zeros|arange|random] [--force]
              shm ls
              shm rm NAME
                  shared arrays (.npy files in /dev/shm, or -Dparalelo.shm.dir) for other processes
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
                default -> throw new UsageException("unknown command '" + args[0] + "'; try paralelo --help");
            };
        } catch (UsageException | ConfigurationException e) {
            err.println("paralelo: " + e.getMessage());
            return 2;
        } catch (OutOfMemoryError e) {
            err.println("paralelo: out of memory: " + e.getMessage());
            return 1;
        }
    }
}
