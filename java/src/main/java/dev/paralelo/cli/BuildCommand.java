package dev.paralelo.cli;

import dev.paralelo.cli.Main.UsageException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code paralelo build}: the launcher's build; this class is its help. */
@Command(name = "build", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Builds the native library and the jars when the sources changed (mvn package, no tests); "
                + "one line on stderr, the log only when it fails.")
final class BuildCommand implements Callable<Integer> {
    @Override
    public Integer call() throws UsageException {
        throw LauncherOnly.refusal("build");
    }
}
