package dev.paralelo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs real Python with numpy for interop tests; fails with install advice when missing. */
public final class Python {
    private Python() {}

    private static final java.util.Map<String, String> FOUND = new java.util.HashMap<>();

    /** A python3 executable that imports numpy. */
    public static String executable() {
        return executable("numpy");
    }

    /** A python3 executable that imports modules (a comma-separated list, such as "numpy, zmq"). */
    public static synchronized String executable(String modules) {
        String found = FOUND.get(modules);
        if (found != null) return found;
        List<String> candidates = new ArrayList<>();
        String prop = System.getProperty("paralelo.python", System.getenv("PARALELO_PYTHON"));
        if (prop != null && !prop.isBlank()) candidates.add(prop);
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import " + modules).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    FOUND.put(modules, c);
                    return c;
                }
            } catch (IOException | InterruptedException e) {
                // try the next one
            }
        }
        throw new AssertionError("no python3 that imports " + modules + " found (tried " + candidates + "): install it with "
                + "'apt-get install -y python3-numpy python3-zmq' (the README's test command does), or set -Dparalelo.python=PATH");
    }

    /** Runs a script with arguments; returns stdout; fails the test on a non-zero exit. */
    public static String run(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(executable(), "-c", script));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).start();
            byte[] err = new byte[0];
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("python timed out");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("python failed (" + p.exitValue() + "): " + new String(err, StandardCharsets.UTF_8));
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("could not run python: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
