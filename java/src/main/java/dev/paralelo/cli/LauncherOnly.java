package dev.paralelo.cli;

import dev.paralelo.cli.Main.UsageException;

/** A command the launcher runs itself (it needs the build tools or the benchmark jar): here, only its help. */
final class LauncherOnly {
    private LauncherOnly() {}

    static UsageException refusal(String command) {
        return new UsageException(command + " runs from the launcher in the source tree: ./paralelo " + command
                + " (see ./paralelo " + command + " --help)");
    }
}
