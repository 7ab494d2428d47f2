package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The conventions of the command line: every command answers --help and -h, the tool answers
 * --version and help, the top-level help lists every command, usage errors are one line and
 * exit status 2, and picocli's completion script completes the commands in a real bash.
 */
class CommandLineTest {
    @TempDir
    Path dir;

    record Result(int status, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int s = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(s, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Every command and subcommand, by its full name ("shm create"). */
    private static List<String> allCommands() {
        List<String> names = new ArrayList<>();
        collect(Main.commandLine(System.out, System.err), "", names);
        return names;
    }

    private static void collect(CommandLine cl, String prefix, List<String> names) {
        for (var e : cl.getSubcommands().entrySet()) {
            String name = (prefix + " " + e.getKey()).strip();
            names.add(name);
            collect(e.getValue(), name, names);
        }
    }

    @Test
    void topLevelHelpListsEveryCommand() {
        Result r = run("--help");
        assertEquals(0, r.status, r.err);
        for (String c : List.of("stats", "shm", "info", "demo", "sum", "worker", "bench", "test", "build", "help", "completion")) {
            assertTrue(r.out.contains("\n  " + c + " "), "lists " + c + ":\n" + r.out);
        }
        for (Class<?> c : Main.COMMANDS) {
            String name = c.getAnnotation(CommandLine.Command.class).name();
            assertTrue(r.out.contains("\n  " + name + " "), "lists " + name);
        }
        assertEquals(r.out, run("help").out, "'help' prints the same");
    }

    @Test
    void everyCommandAnswersHelp() {
        List<String> all = allCommands();
        assertTrue(all.containsAll(List.of("stats", "shm", "shm create", "shm ls", "shm rm", "info", "demo", "sum", "worker",
                "bench", "test", "build", "completion")), all.toString());
        for (String command : all) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(List.of(command.split(" ")));
                args.add(flag);
                Result r = run(args.toArray(String[]::new));
                assertEquals(0, r.status, command + " " + flag + ": " + r.err);
                // picocli's own help command puts its description first
                assertTrue(command.equals("help") ? r.out.contains("\nUsage: paralelo help") : r.out.startsWith("Usage: paralelo " + command),
                        command + " " + flag + ":\n" + r.out);
                assertEquals("", r.err, command);
            }
            if (!command.contains(" ") && !command.equals("help")) {
                Result viaHelp = run("help", command);
                assertTrue(viaHelp.status == 0 && viaHelp.out.startsWith("Usage: paralelo " + command), "help " + command + ": " + viaHelp.out);
            }
        }
    }

    @Test
    void statsDashHIsHelpNotAFileName() {
        Result r = run("stats", "-h");
        assertEquals(0, r.status);
        assertTrue(r.out.contains("--dtype") && r.out.contains("--threads") && r.out.contains("--json"), r.out);
    }

    @Test
    void versionNamesTheProjectVersion() {
        for (String flag : List.of("--version", "-V")) {
            Result r = run(flag);
            assertEquals(0, r.status);
            assertTrue(r.out.matches("paralelo \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Java .*\\)\\n"), r.out);
        }
        assertTrue(run("stats", "--version").out.startsWith("paralelo "));
    }

    @Test
    void usageErrorsAreOneLineWithStatusTwo() {
        String[][] cases = {
            {"frob"}, {"--frob"}, {"stats", "--frob"}, {"stats", "a", "b"}, {"stats"}, {"stats", "x.npy", "--threads"},
            {"stats", "x.npy", "--threads", "-1"}, {"stats", "x.npy", "--dtype", "f16"}, {"shm"}, {"shm", "frob"},
            {"shm", "create", "a"}, {"shm", "create", "a", "--dtype", "f64", "--length", "x"}, {"shm", "rm"},
            {"sum"}, {"sum", "x", "--workers", "0"}, {"demo", "--workers", "-2"}, {"demo", "extra"}, {"demo", "--kernels", "fortran"},
            {"bench"}, {"test"}, {"build"}, {"help", "frob"},
        };
        for (String[] args : cases) {
            Result r = run(args);
            String what = String.join(" ", args);
            assertEquals(2, r.status, what + ": " + r.out + r.err);
            assertTrue(r.err.startsWith("paralelo: ") && r.err.endsWith("\n") && r.err.strip().lines().count() == 1,
                    what + ": " + r.err);
            assertEquals("", r.out, what);
        }
        assertTrue(run("frob").err.contains("unknown command 'frob'"), run("frob").err);
        assertTrue(run("stats", "--frob").err.contains("'--frob'") && run("stats", "--frob").err.contains("paralelo stats --help"));
        assertTrue(run("bench").err.contains("./paralelo bench"), run("bench").err);
        assertTrue(run("stats", "x", "--dtype", "f16").err.contains("use f64, f32, i64 or i32"), run("stats", "x", "--dtype", "f16").err);
    }

    @Test
    void noCommandPrintsTheUsageOnStderr() {
        Result r = run();
        assertEquals(2, r.status);
        assertEquals("", r.out);
        assertTrue(r.err.startsWith("Usage: paralelo"), r.err);
    }

    @Test
    void completionScriptCompletesCommandsAndOptionsInBash() throws Exception {
        Result r = run("completion");
        assertEquals(0, r.status, r.err);
        Path script = dir.resolve("paralelo-completion.bash");
        Files.writeString(script, r.out);
        // A real bash sources the script and asks it, as the shell does on TAB.
        String probe = """
                source "$1"
                complete_for() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=();
                  _complete_paralelo paralelo; printf '%s\\n' "${COMPREPLY[@]}" | sort | tr '\\n' ' '; echo; }
                complete_for paralelo st
                complete_for paralelo stats --t
                complete_for paralelo shm ''
                complete -p paralelo
                """;
        // compopt complains on stderr outside a real completion; only stdout is the answer.
        Process p = new ProcessBuilder("bash", "-c", probe, "probe", script.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        assertEquals("stats ", lines.get(0), out);
        assertEquals("--threads ", lines.get(1), out);
        assertTrue(lines.get(2).contains("create") && lines.get(2).contains("ls") && lines.get(2).contains("rm"), out);
        assertTrue(lines.get(3).contains("_complete_paralelo") && lines.get(3).endsWith(" paralelo"), out);
        assertFalse(r.out.isBlank());
    }
}
