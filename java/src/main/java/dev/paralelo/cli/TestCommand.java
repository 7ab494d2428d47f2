package dev.paralelo.cli;

import dev.paralelo.cli.Main.UsageException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code paralelo test}: every test, run by the launcher through tools/test-runner; this class is its help. */
@Command(name = "test", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Every test: C (release, then ASan+UBSan), Java on every kernel implementation, "
                + "interop with real processes and numpy, and a separate Maven project using the installed jar.",
                "Prints one line per stage and a summary 'N passed, N failed'; the full log is in .paralelo/logs "
                        + "and named on failure."})
final class TestCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MVN_ARGS", arity = "0..*",
            description = "passed to mvn verify, e.g. -Dtest.jvm.args=-Dparalelo.provider=java")
    List<String> mavenArgs;

    @Override
    public Integer call() throws UsageException {
        throw LauncherOnly.refusal("test");
    }
}
