package dev.paralelo.bench;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The command lines of {@code ./paralelo bench} and {@code ./paralelo bench mpi}: options in
 * either form the help shows ({@code --out DIR} and {@code --out=DIR}), refusals as one line
 * with an exit status (2: bad usage or input, as the CLI's), and the checks on output
 * locations that run before any measuring.
 */
final class Cli {
    private Cli() {}

    /** A refusal: one line for the user (without the program's prefix) and the exit status. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        Failure(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** Bad usage or bad input: exit status 2. */
    static Failure usage(String message) {
        return new Failure(2, message);
    }

    /** A failure while running (a tool that failed, a write that failed after measuring): exit status 1. */
    static Failure failed(String message) {
        return new Failure(1, message);
    }

    /**
     * The arguments, one option at a time: {@code --name}, {@code --name VALUE} or
     * {@code --name=VALUE}. Anything not starting with "--" is an option too (and unknown).
     */
    static final class Args {
        private final String[] args;
        private final Set<String> seen = new HashSet<>();
        private int i = -1;
        private String name, inline;

        Args(String[] args) {
            this.args = args;
        }

        /** Moves to the next option; false at the end. */
        boolean next() {
            if (++i >= args.length) return false;
            String a = args[i];
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 2) {
                name = a.substring(0, eq);
                inline = a.substring(eq + 1);
            } else {
                name = a;
                inline = null;
            }
            return true;
        }

        /** The option's name, without any "=VALUE". */
        String name() {
            return name;
        }

        /** The argument as given. */
        String arg() {
            return args[i];
        }

        /** A flag: refuses "--flag=VALUE". */
        void flag() {
            if (inline != null) throw usage(name + " takes no value (got " + args[i] + ")");
        }

        /**
         * The option's value: after '=', else the next argument (which may not be another
         * option: {@code --out --smoke} is a forgotten DIR, not a folder called "--smoke").
         * An option that takes one value may be given once.
         */
        String value(String label) {
            if (!seen.add(name) && !name.equals("--jmh-param")) throw usage(name + " given twice");
            String v;
            if (inline != null) {
                v = inline;
            } else {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) throw usage(name + " needs " + label);
                v = args[++i];
            }
            if (v.isEmpty()) throw usage(name + " needs " + label + " (got an empty one)");
            return v;
        }

        /** The option's value as a path. */
        Path path(String label) {
            String v = value(label);
            if (v.indexOf('\0') >= 0) throw usage(name + ": not a path: " + v.replace('\0', '?'));
            try {
                return Path.of(v);
            } catch (java.nio.file.InvalidPathException e) {
                throw usage(name + ": not a path: " + v);
            }
        }
    }

    /**
     * A folder the run will write to, checked before anything is measured: made (with its
     * parents) when missing, refused when it is not a folder or cannot be written to (tried with
     * a file created and removed there: a read-only file system or mount shows only then).
     */
    static void writableDir(String option, Path dir) {
        folder(option + " " + dir, dir, "");
    }

    /**
     * A file the run will write, checked before anything is measured: its folder as
     * {@link #writableDir}; an existing file must be a regular file that can be written.
     */
    static void writableFile(String option, Path file) {
        String subject = option + " " + file;
        Path f = file.toAbsolutePath();
        if (f.getFileName() == null) throw usage(subject + ": not a file name");
        if (Files.isDirectory(f)) throw usage(subject + ": a folder, not a file");
        if (Files.exists(f) && !Files.isRegularFile(f)) throw usage(subject + ": not a regular file");
        folder(subject, f.getParent(), " " + f.getParent());
        if (Files.exists(f) && !Files.isWritable(f)) throw usage(subject + ": cannot write it (permission denied)");
    }

    /** Makes dir when missing, then writes and removes a file there; where: how the message names dir. */
    private static void folder(String subject, Path dir, String where) {
        Path d = dir.toAbsolutePath();
        for (Path p = d; p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw usage(subject + ": " + (p.equals(d) && where.isEmpty() ? "not a folder" : p + " is not a folder"));
            }
            if (Files.isDirectory(p)) break;
        }
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw usage(subject + ": cannot make the folder" + where + " (" + reason(e) + ")");
        }
        try {
            Path probe = Files.createTempFile(d, ".paralelo-bench-", ".probe");
            Files.delete(probe);
        } catch (IOException e) {
            throw usage(subject + ": cannot write " + (where.isEmpty() ? "there" : "in" + where) + " (" + reason(e) + ")");
        }
    }

    /** Why an I/O operation failed, without the file's name ("Read-only file system", "permission denied"). */
    static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String r = f.getReason();
            if (r != null) return r;
            return e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NoSuchFileException ? "no such file or folder"
                    : e instanceof FileAlreadyExistsException ? "exists and is not a folder"
                    : e instanceof NotDirectoryException ? "not a folder" : e.getClass().getSimpleName();
        }
        if (e instanceof CharacterCodingException) return "not UTF-8 text";
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** A file the run reads: it must exist and be a readable regular file (not a folder, not /dev/zero). */
    static void readableFile(String option, Path file) {
        if (!Files.exists(file)) throw usage(option + " " + file + ": no such file");
        if (Files.isDirectory(file)) throw usage(option + " " + file + ": a folder, not a file (name a report's latest.json)");
        if (!Files.isRegularFile(file)) throw usage(option + " " + file + ": not a regular file");
        if (!Files.isReadable(file)) throw usage(option + " " + file + ": cannot read it (permission denied)");
    }

    /** An I/O failure in a few words: the file and why ("permission denied", "Read-only file system"). */
    static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason(e);
        }
        return reason(e);
    }
}
