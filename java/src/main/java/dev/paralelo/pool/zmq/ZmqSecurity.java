package dev.paralelo.pool.zmq;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * How one end of the ZeroMQ transport protects its socket, from the transport options
 * ({@code key}, {@code allow}, {@code server-key}, {@code insecure}):
 *
 * <ul>
 *   <li>a listening pool with {@code key} (its {@code .key_secret} file) and {@code allow} (a
 *       directory of workers' {@code .key} files) is a CURVE server that admits those workers;
 *   <li>a worker with {@code key} (its own pair) and {@code server-key} (the pool's {@code .key}
 *       file) is a CURVE client;
 *   <li>without keys the socket is plain TCP, which is refused on any address that is not
 *       loopback unless {@code insecure} is given.
 * </ul>
 *
 * @param own this end's key pair, or null for plain TCP
 * @param allow the pool's allow list directory (server), else null
 * @param serverKey the pool's public key (client), else null
 */
public record ZmqSecurity(CurveKeys.KeyPair own, Path allow, String serverKey) {
    private static final Set<String> LISTEN_OPTIONS = Set.of("key", "allow", "insecure");
    private static final Set<String> CONNECT_OPTIONS = Set.of("key", "server-key", "insecure");

    /** Plain TCP (loopback, or an explicit choice). */
    public static final ZmqSecurity PLAIN = new ZmqSecurity(null, null, null);

    /**
     * Whether CURVE is on.
     *
     * @return true when this end has a key pair, false for plain TCP
     */
    public boolean curve() {
        return own != null;
    }

    /**
     * The settings of a pool that listens on endpoint, from its options.
     *
     * @param endpoint where the pool listens, {@code tcp://HOST:PORT}
     * @param options {@code key} (the pool's {@code .key_secret} file) with {@code allow} (the
     *     allow list directory), or neither; {@code insecure} ({@code true} or {@code false})
     * @return a CURVE server with its allow list, or {@link #PLAIN}
     * @throws IllegalArgumentException for an unknown option, one of key and allow without the
     *     other, an allow list that is not a directory, a bad key file, or plain TCP on a host
     *     that is not loopback without {@code insecure}
     * @throws IOException if the key file cannot be read
     */
    public static ZmqSecurity forListen(String endpoint, Map<String, String> options) throws IOException {
        check(options, LISTEN_OPTIONS);
        String key = options.get("key"), allow = options.get("allow");
        if (key == null && allow == null) return plain(endpoint, options);
        if (key == null || allow == null) {
            throw new IllegalArgumentException("CURVE needs both the pool's key pair (--key FILE.key_secret) and an allow list (--allow DIR)");
        }
        Path dir = Path.of(allow);
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("allow list " + dir + " is not a directory of .key files");
        return new ZmqSecurity(CurveKeys.readPair(Path.of(key)), dir, null);
    }

    /**
     * The settings of a worker that connects to endpoint, from its options.
     *
     * @param endpoint the pool's endpoint, {@code tcp://HOST:PORT}
     * @param options {@code key} (the worker's {@code .key_secret} file) with {@code server-key}
     *     (the pool's {@code .key} file), or neither; {@code insecure} ({@code true} or {@code false})
     * @return a CURVE client that knows the pool's public key, or {@link #PLAIN}
     * @throws IllegalArgumentException for an unknown option, one of key and server-key without
     *     the other, a bad key file, or plain TCP to a host that is not loopback without
     *     {@code insecure}
     * @throws IOException if a key file cannot be read
     */
    public static ZmqSecurity forConnect(String endpoint, Map<String, String> options) throws IOException {
        check(options, CONNECT_OPTIONS);
        String key = options.get("key"), server = options.get("server-key");
        if (key == null && server == null) return plain(endpoint, options);
        if (key == null || server == null) {
            throw new IllegalArgumentException("CURVE needs both this worker's key pair (--key FILE.key_secret) and the pool's public key (--server-key FILE.key)");
        }
        return new ZmqSecurity(CurveKeys.readPair(Path.of(key)), null, CurveKeys.readPublic(Path.of(server)).publicKey());
    }

    private static ZmqSecurity plain(String endpoint, Map<String, String> options) {
        if (!"true".equals(options.getOrDefault("insecure", "false")) && !isLoopback(host(endpoint))) {
            throw new IllegalArgumentException("plain TCP on " + endpoint + " (not a loopback address) is refused: give keys for CURVE "
                    + "(paralelo keys generate DIR), or pass --insecure to send tasks and results in the clear");
        }
        return PLAIN;
    }

    private static void check(Map<String, String> options, Set<String> known) {
        for (String k : options.keySet()) {
            if (!known.contains(k)) throw new IllegalArgumentException("unknown option '" + k + "' for the tcp transport (known: " + known + ")");
        }
        String insecure = options.get("insecure");
        if (insecure != null && !insecure.equals("true") && !insecure.equals("false")) {
            throw new IllegalArgumentException("insecure must be true or false, not '" + insecure + "'");
        }
    }

    /** The host of tcp://HOST:PORT (brackets removed from an IPv6 address). */
    static String host(String endpoint) {
        if (!endpoint.startsWith("tcp://")) throw new IllegalArgumentException("not a tcp endpoint (tcp://HOST:PORT): " + endpoint);
        String rest = endpoint.substring("tcp://".length());
        int colon = rest.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("endpoint " + endpoint + " has no port (tcp://HOST:PORT)");
        String port = rest.substring(colon + 1);
        if (!port.equals("*") && !port.matches("[0-9]{1,5}")) throw new IllegalArgumentException("endpoint " + endpoint + ": bad port '" + port + "'");
        String h = rest.substring(0, colon);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        return h;
    }

    /**
     * Whether host is a loopback address: localhost, 127.0.0.0/8 or ::1 (a name is resolved; a
     * wildcard or interface name is not loopback).
     */
    static boolean isLoopback(String host) {
        if (host.equals("*") || host.isEmpty()) return false;
        if (host.equals("localhost")) return true;
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) if (!a.isLoopbackAddress()) return false;
                return true;
            } catch (UnknownHostException e) {
                return false;
            }
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
