package dev.paralelo.cli;

import dev.paralelo.pool.WorkerMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code paralelo worker --connect ENDPOINT --worker I --threads T}: a worker process, started by
 * a pool. Its arguments are the pool's business: they go to {@link WorkerMain} as they are.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"A worker process (a WorkerPool starts these; not for interactive use).",
                "Options, read by the worker itself: --connect ENDPOINT (required; tcp://HOST:PORT attaches to a pool that "
                        + "listens), --worker I, --threads T, --key F.key_secret, --server-key F.key, --insecure, "
                        + "--kernels auto|native|vector|scalar|java."})
final class WorkerCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return WorkerMain.run(args.toArray(String[]::new));
    }
}
