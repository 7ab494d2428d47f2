package dev.paralelo.cli;

import dev.paralelo.pool.WorkerMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code paralelo worker --connect ENDPOINT --worker I --threads T}: a worker process, started by
 * a pool, or by hand on another machine to attach to a pool that listens. Its arguments go to
 * {@link WorkerMain} as they are, which checks them.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"A worker process: a WorkerPool starts these on its own machine; on another machine, start one by hand "
                + "to attach to a pool that listens (README, \"Workers on other machines\").",
                "Usage: paralelo worker --connect tcp://HOST:PORT [--threads T] [--key F.key_secret --server-key F.key | "
                        + "--insecure] [--kernels auto|native|vector|scalar|java]",
                "Exit status 0 when the pool closed, 3 when it went silent or refused this worker's key. (--worker I and --log FILE are the "
                        + "pool's own options for the workers it starts.)"})
final class WorkerCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return WorkerMain.run(args.toArray(String[]::new));
    }
}
