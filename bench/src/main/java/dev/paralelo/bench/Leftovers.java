package dev.paralelo.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The report's temporary files and shared arrays (the pool's arrays are up to 1 GiB of memory in
 * /dev/shm), removed when the JVM exits however it exits short of kill -9: Ctrl-C or SIGTERM
 * skips the finally blocks that remove them on a normal run. A shared array's half-filled
 * temporary file (SharedArray.create's {@code .NAME.PID.RANDOM.partial}) goes too.
 */
final class Leftovers {
    private Leftovers() {}

    private static final Set<Path> PATHS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Leftovers::removeAll, "paralelo-bench-cleanup"));
    }

    /** Registers p (a file, a folder, or a shared array's path) for removal at exit; returns p. */
    static Path track(Path p) {
        PATHS.add(p.toAbsolutePath());
        return p;
    }

    private static void removeAll() {
        for (Path p : PATHS) {
            try {
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try (Stream<Path> all = Files.walk(p)) {
                        for (Path q : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(q);
                    }
                } else {
                    Files.deleteIfExists(p);
                }
                String partial = "." + p.getFileName() + "." + ProcessHandle.current().pid() + ".";
                try (Stream<Path> s = Files.list(p.getParent())) {
                    for (Path q : (Iterable<Path>) s::iterator) {
                        String n = q.getFileName().toString();
                        if (n.startsWith(partial) && n.endsWith(".partial")) Files.deleteIfExists(q);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // exiting anyway: the next path
            }
        }
    }
}
