package dev.paralelo.cli;

import dev.paralelo.kernel.ConfigurationException;
import dev.paralelo.shm.SharedArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code paralelo} command line, on picocli. Exit status: 0 success, 2 bad usage or bad
 * input (one line on stderr, starting {@code paralelo: }), 1 an unexpected failure.
 *
 * <p>Each command is one class; {@link #COMMANDS} lists them in the order the help shows them.
 * A new command is a new class annotated with {@code @Command} (a {@link Callable} returning its
 * exit status, throwing {@link UsageException} for bad input) and one line in that list.
 */
@Command(name = "paralelo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Every core from plain Java: C/SIMD kernels on every core, over off-heap arrays, shared with other processes.",
        synopsisSubcommandLabel = "COMMAND",
        footer = {"", "Run 'paralelo COMMAND --help' for a command's options.",
                "Exit status: 0 success, 2 bad usage or input (one line on stderr), 1 unexpected failure."})
public final class Main implements Callable<Integer> {
    /** The commands, in the order the help lists them; help and completion come last. */
    static final List<Class<?>> COMMANDS = List.of(
            StatsCommand.class, ShmCommand.class, InfoCommand.class,
            DemoCommand.class, SumCommand.class, WorkerCommand.class, KeysCommand.class, MpiCommand.class,
            BenchCommand.class, TestCommand.class, BuildCommand.class,
            CommandLine.HelpCommand.class, CompletionCommand.class);

    @Spec
    CommandSpec spec;

    private Main() {}

    /** No command: the usage on stderr, exit status 2 (the launcher asks for --help instead). */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** A user error: printed as one line, exit status 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** The version of the build, from the jar's resources. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"paralelo " + version() + " (Java " + Runtime.version() + ")"};
        }
    }

    /** The project version this was built as ({@code version.properties}, filtered by Maven). */
    static String version() {
        Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // the version is informative only
        }
        return p.getProperty("version", "unknown");
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

    /** The command line, wired to the given streams (tests run it in-process). */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> c : COMMANDS) cl.addSubcommand(c);
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof UsageException || e instanceof ConfigurationException) {
                return oneLine(line, e.getMessage());
            }
            throw e;
        });
        return cl;
    }

    /** Entry point; exits with the command's status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs a command and returns its exit status instead of exiting.
     *
     * @param args the command line's arguments
     * @param out where the command's output goes
     * @param err where errors go
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return commandLine(out, err).execute(args);
        } catch (OutOfMemoryError e) {
            err.println("paralelo: out of memory: " + e.getMessage());
            return 1;
        }
    }

    /** A parse error: one line naming what was wrong and where to look, exit status 2. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String where = cl.getCommandSpec().qualifiedName();
        String message = e.getMessage();
        if (e instanceof UnmatchedArgumentException u && cl.getCommandSpec().root() == cl.getCommandSpec()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
            message = "unknown command '" + u.getUnmatched().getFirst() + "'";
        } else if (e instanceof UnmatchedArgumentException u && !cl.getSubcommands().isEmpty() && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().getFirst().startsWith("-")) {
            message = "unknown subcommand '" + u.getUnmatched().getFirst() + "' of " + where;
        }
        // picocli ends some messages with a full stop ("Unknown subcommand 'x'."): not before the ';'.
        if (message.endsWith(".")) message = message.substring(0, message.length() - 1);
        return oneLine(cl, message + "; see " + where + " --help");
    }

    /** One line on stderr, whatever the message holds (names and paths come from the user). */
    private static int oneLine(CommandLine cl, String message) {
        PrintWriter err = cl.getErr();
        err.println("paralelo: " + SharedArray.printable(message == null ? "error" : message));
        err.flush();
        return 2;
    }
}
