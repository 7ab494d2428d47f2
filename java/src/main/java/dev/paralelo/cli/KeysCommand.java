package dev.paralelo.cli;

import dev.paralelo.cli.Main.UsageException;
import dev.paralelo.pool.zmq.CurveKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;

/**
 * {@code keys generate DIR [--name NAME]}: a CURVE key pair for the network transport, as
 * {@code DIR/NAME.key} (the public key, to copy into a pool's allow list or give to workers) and
 * {@code DIR/NAME.key_secret} (the pair, mode 0600). NAME defaults to this host's name.
 */
final class KeysCommand {
    private KeysCommand() {}

    static int run(String[] args, PrintStream out) throws UsageException {
        if (args.length == 0 || !args[0].equals("generate")) throw new UsageException("usage: keys generate DIR [--name NAME]");
        String dir = null, name = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--name" -> name = StatsCommand.value(args, ++i, "--name");
                default -> {
                    if (args[i].startsWith("--")) throw new UsageException("unknown option " + args[i] + " for keys generate");
                    if (dir != null) throw new UsageException("keys generate takes one DIR, got '" + dir + "' and '" + args[i] + "'");
                    dir = args[i];
                }
            }
        }
        if (dir == null) throw new UsageException("keys generate needs a DIR");
        if (name == null) name = hostName();
        try {
            Path secret = CurveKeys.write(CurveKeys.generate(), Path.of(dir), name);
            out.println(secret.resolveSibling(name + CurveKeys.PUBLIC_SUFFIX) + " (public)");
            out.println(secret + " (secret, mode 0600)");
            return 0;
        } catch (IOException e) {
            throw new UsageException(Main.describe(e, dir));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
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
