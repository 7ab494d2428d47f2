package dev.paralelo.mpi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starting a real {@code mpirun}: N JVMs running {@link Rank}, or any command. Oversubscribed
 * (this machine may have fewer cores than ranks) and unbound; as root, with Open MPI's opt-in.
 * A missing mpirun fails the test with what to install: it is never skipped.
 */
final class Mpirun {
    private Mpirun() {}

    static String executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
            if (Files.isExecutable(p)) return p.toString();
        }
        throw new AssertionError("mpirun is not on PATH: install openmpi-bin and libopenmpi-dev "
                + "(./paralelo test installs them), then rebuild so that CMake builds libparalelo_mpi");
    }

    /** mpirun -np n with this machine's flags, then command. */
    static List<String> command(int n, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of(executable(), "-np", Integer.toString(n), "--oversubscribe", "--bind-to", "none"));
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-run-as-root");
        cmd.addAll(command);
        return cmd;
    }

    /** The java command that runs {@link Rank} with args. */
    static List<String> rankJvm(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Rank.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Process start(int n, List<String> command) throws IOException {
        return new ProcessBuilder(command(n, command)).redirectErrorStream(true).start();
    }

    /** What a finished run printed, and its exit status. */
    record Result(int status, String output) {
        List<String> lines() {
            return output.lines().toList();
        }
    }

    /** Runs to the end (at most timeoutSeconds; a hang fails the test and kills the job). */
    static Result run(int n, List<String> command, long timeoutSeconds) throws Exception {
        Process p = start(n, command);
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(reading the output failed: ").append(e).append(')');
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            reader.join(5000);
            throw new AssertionError("mpirun -np " + n + " did not finish in " + timeoutSeconds + " s: " + out);
        }
        reader.join();
        return new Result(p.exitValue(), out.toString());
    }
}
