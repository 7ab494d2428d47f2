package dev.paralelo.cli;

import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.pool.zmq.CurveKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keys generate DIR [--name NAME]}: a CURVE key pair for the network transport, as
 * {@code DIR/NAME.key} (the public key, to copy into a pool's allow list or give to workers) and
 * {@code DIR/NAME.key_secret} (the pair, mode 0600). NAME defaults to this host's name.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "CURVE keys for workers on other machines (see README, \"Workers on other machines\").",
        subcommands = KeysCommand.Generate.class)
final class KeysCommand implements Callable<Integer> {
    @Override
    public Integer call() throws UsageException {
        throw new UsageException("keys needs a subcommand: keys generate DIR [--name NAME]");
    }

    /** {@code keys generate DIR [--name NAME]}. */
    @Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Writes a key pair: DIR/NAME.key (public) and DIR/NAME.key_secret (the pair, mode 0600).")
    static final class Generate implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", arity = "0..1", description = "the directory for the two files")
        String dir;

        @Option(names = "--name", paramLabel = "NAME", description = "the files' name (default: this host's name)")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws UsageException {
            if (dir == null) throw new UsageException("keys generate needs a DIR");
            String n = name != null ? name : hostName();
            PrintWriter out = spec.commandLine().getOut();
            try {
                Path secret = CurveKeys.write(CurveKeys.generate(), Path.of(dir), n);
                out.println(secret.resolveSibling(n + CurveKeys.PUBLIC_SUFFIX) + " (public)");
                out.println(secret + " (secret, mode 0600)");
                out.flush();
                return 0;
            } catch (IOException e) {
                throw new UsageException(Main.describe(e, dir));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
    }

    private static String hostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            int dot = h.indexOf('.');
            return dot > 0 ? h.substring(0, dot) : h;
        } catch (IOException e) {
            return "paralelo";
        }
    }
}
