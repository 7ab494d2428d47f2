package dev.paralelo.pool.zmq;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.zeromq.ZMQ;

/**
 * CURVE key pairs and their files. A key is 32 bytes, written in Z85 (40 characters), in text
 * files of {@code name = value} lines ({@code #} starts a comment):
 *
 * <ul>
 *   <li>{@code NAME.key}, the public key, mode 0644: {@code public-key = Z85}. A pool's allow
 *       list is a directory of such files, one per worker.
 *   <li>{@code NAME.key_secret}, the pair, mode 0600: {@code public-key = Z85} and
 *       {@code secret-key = Z85}. It is refused when others can read it.
 * </ul>
 */
public final class CurveKeys {
    private CurveKeys() {}

    /** The public key file's suffix. */
    public static final String PUBLIC_SUFFIX = ".key";
    /** The key pair file's suffix. */
    public static final String SECRET_SUFFIX = ".key_secret";

    /**
     * A CURVE key pair, each key 40 characters of Z85.
     *
     * @param publicKey the public key (Z85)
     * @param secretKey the secret key (Z85), or null for a public key alone
     */
    public record KeyPair(String publicKey, String secretKey) {
        /** Checks the keys. */
        public KeyPair {
            publicKey = checked(publicKey, "public key");
            if (secretKey != null) secretKey = checked(secretKey, "secret key");
        }

        @Override
        public String toString() {
            return "KeyPair[publicKey=" + publicKey + (secretKey == null ? "" : ", secret key hidden") + "]";
        }
    }

    private static String checked(String z85, String what) {
        if (z85 == null || z85.length() != ZMQ.Curve.KEY_SIZE_Z85) {
            throw new IllegalArgumentException(what + ": not a Z85 key of " + ZMQ.Curve.KEY_SIZE_Z85 + " characters");
        }
        byte[] raw = ZMQ.Curve.z85Decode(z85);
        if (raw == null || raw.length != ZMQ.Curve.KEY_SIZE) throw new IllegalArgumentException(what + ": not a Z85 key");
        return z85;
    }

    /**
     * A new random key pair.
     *
     * @return a pair with both keys, fresh from JeroMQ's CURVE key generator
     */
    public static KeyPair generate() {
        ZMQ.Curve.KeyPair p = ZMQ.Curve.generateKeyPair();
        return new KeyPair(p.publicKey, p.secretKey);
    }

    /**
     * Writes pair into dir as {@code name.key} (0644) and {@code name.key_secret} (0600), creating
     * dir (0700) if needed; refuses to overwrite either file.
     *
     * @param pair the keys to write; it must hold the secret key
     * @param dir the directory of the two files
     * @param name the files' name before the suffix: not empty, no slash, no control characters,
     *     not starting with a dot
     * @return the key pair file, {@code dir/name.key_secret}
     * @throws IllegalArgumentException if pair has no secret key, or name is not a plain file name
     * @throws java.nio.file.FileAlreadyExistsException if either file exists
     * @throws IOException if dir is not a folder (a file, a link to none), or dir or a file cannot be
     *     created or written
     */
    public static Path write(KeyPair pair, Path dir, String name) throws IOException {
        if (pair.secretKey() == null) throw new IllegalArgumentException("the pair has no secret key");
        if (name.isEmpty() || name.contains("/") || name.startsWith(".") || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("bad key name '" + dev.paralelo.shm.SharedArray.printable(name)
                    + "': a plain file name (no slash, no control characters, not starting with a dot)");
        }
        if (!Files.isDirectory(dir)) {
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new java.nio.file.FileSystemException(dir.toString(), null, Files.isSymbolicLink(dir)
                        ? "a symbolic link to no folder: give a folder for the keys" : "not a folder: give a folder for the keys");
            }
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path pub = dir.resolve(name + PUBLIC_SUFFIX), sec = dir.resolve(name + SECRET_SUFFIX);
        if (Files.exists(pub, LinkOption.NOFOLLOW_LINKS)) throw new FileAlreadyExistsException(pub.toString());
        // The secret first, created 0600 before a byte is written.
        Files.createFile(sec, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(sec, "# Paralelo CURVE key pair: keep this file secret\npublic-key = " + pair.publicKey()
                + "\nsecret-key = " + pair.secretKey() + "\n", StandardCharsets.US_ASCII);
        Files.createFile(pub, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        Files.writeString(pub, "# Paralelo CURVE public key\npublic-key = " + pair.publicKey() + "\n", StandardCharsets.US_ASCII);
        return sec;
    }

    /**
     * The key pair in a {@code .key_secret} file; refused when group or others may read it.
     *
     * @param file the key pair file
     * @return the pair, both keys checked
     * @throws IllegalArgumentException if the file is named as a public key file ({@code .key}),
     *     group or others may read it, it is not a regular file, it is larger than 4 KiB or not
     *     ASCII, a line is not {@code name = value}, or a key is missing or not 40 characters of Z85
     * @throws IOException if the file cannot be read
     */
    public static KeyPair readPair(Path file) throws IOException {
        if (file.getFileName() != null && file.getFileName().toString().endsWith(PUBLIC_SUFFIX)) {
            throw new IllegalArgumentException(file + " is a public key file: give the pair, NAME" + SECRET_SUFFIX);
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
            throw new IllegalArgumentException(file + " holds a secret key but others may read it (mode "
                    + PosixFilePermissions.toString(perms) + "); chmod 600 " + file);
        }
        Map<String, String> f = fields(file);
        String sec = f.get("secret-key");
        if (sec == null) throw new IllegalArgumentException(file + ": no 'secret-key = ...' line (a public key file? the pair is NAME" + SECRET_SUFFIX + ")");
        return parse(file, f.get("public-key"), sec);
    }

    /**
     * The public key in a {@code .key} (or {@code .key_secret}) file.
     *
     * @param file the key file
     * @return a pair with the public key alone (its secret key null)
     * @throws IllegalArgumentException if the file is not a regular file, is larger than 4 KiB or
     *     not ASCII, a line is not {@code name = value}, or the public key is missing or not 40
     *     characters of Z85
     * @throws IOException if the file cannot be read
     */
    public static KeyPair readPublic(Path file) throws IOException {
        return parse(file, fields(file).get("public-key"), null);
    }

    private static KeyPair parse(Path file, String pub, String sec) {
        if (pub == null) throw new IllegalArgumentException(file + ": no 'public-key = ...' line");
        try {
            return new KeyPair(pub, sec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
    }

    private static Map<String, String> fields(Path file) throws IOException {
        // A key file is a small regular file: a FIFO would block the read (and, read while a pool
        // holds its transport, the pool), and /dev/zero or the like reports size 0 and never ends.
        java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            throw new IllegalArgumentException(file + ": not a key file (" + (a.isDirectory() ? "a directory" : "not a regular file") + ")");
        }
        if (a.size() > 4096) throw new IllegalArgumentException(file + ": too large for a key file");
        byte[] bytes;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(4097); // bounded, should the file have grown since
        }
        if (bytes.length > 4096) throw new IllegalArgumentException(file + ": too large for a key file");
        String text;
        try {
            text = StandardCharsets.US_ASCII.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not a key file (it holds bytes that are not ASCII)");
        }
        Map<String, String> m = new HashMap<>();
        for (String line : text.split("\\R")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            int eq = t.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException(file + ": not a key file (line '" + t + "')");
            String v = t.substring(eq + 1).strip();
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
            m.put(t.substring(0, eq).strip(), v);
        }
        return m;
    }

    /**
     * The public keys of the {@code .key} files in dir, by key; a file that is not a key file is
     * skipped and named in problems.
     *
     * @param dir the allow list directory; only its files named {@code *.key} are read
     * @param problems where a message is added for each file skipped
     * @return each public key (Z85) with the file it came from
     * @throws IOException if the directory cannot be listed
     */
    public static Map<String, Path> allowed(Path dir, List<String> problems) throws IOException {
        Map<String, Path> keys = new HashMap<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + PUBLIC_SUFFIX)) {
            List<Path> files = new ArrayList<>();
            s.forEach(files::add);
            for (Path f : files) {
                try {
                    keys.put(readPublic(f).publicKey(), f);
                } catch (IllegalArgumentException | IOException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        return keys;
    }
}
