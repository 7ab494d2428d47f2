package dev.paralelo.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/** A fresh clone of the working tree, for tests that build it from scratch. */
final class WorkingTree {
    private WorkingTree() {}

    /** The repository root this test runs in. */
    static Path root() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    }

    /**
     * Copies what {@code git ls-files --cached --others --exclude-standard} lists and still
     * exists: tracked files and untracked ones that are not ignored, so uncommitted changes
     * count; no {@code target/}, no {@code .paralelo/}.
     */
    static void copy(Path tree, Path to) throws IOException, InterruptedException {
        Process git = new ProcessBuilder("git", "-C", tree.toString(), "ls-files", "-z", "--cached", "--others", "--exclude-standard")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String listing = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(git.waitFor(60, TimeUnit.SECONDS) && git.exitValue() == 0,
                "git ls-files failed in " + tree + ": this test copies the working tree as git lists it");
        int copied = 0;
        for (String name : listing.split("\0")) {
            if (name.isEmpty()) continue;
            Path from = tree.resolve(name);
            if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) continue; // deleted, not yet committed
            Path target = to.resolve(name);
            Files.createDirectories(target.getParent());
            Files.copy(from, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            copied++;
        }
        assertTrue(copied > 0 && Files.isExecutable(to.resolve("paralelo")), "copied the tree with its launcher");
    }
}
