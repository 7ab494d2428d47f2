package dev.paralelo.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code paralelo completion}: the bash/zsh completion script picocli generates from the commands. */
@Command(name = "completion", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Prints a completion script for bash and zsh, generated from these commands.",
                "Use: source <(./paralelo completion), or save it to ~/.local/share/bash-completion/completions/paralelo."})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.print(AutoComplete.bash("paralelo", spec.root().commandLine()));
        out.flush();
        return 0;
    }
}
