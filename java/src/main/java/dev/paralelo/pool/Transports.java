package dev.paralelo.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds {@link TransportProvider}s by scheme. */
public final class Transports {
    private Transports() {}

    /**
     * The provider of a scheme.
     *
     * @param scheme the scheme, without the colon, for instance {@code shm} or {@code tcp}
     * @return the first provider found through {@link java.util.ServiceLoader} that serves it
     * @throws IllegalArgumentException naming the schemes there are, when none serves it
     */
    public static TransportProvider provider(String scheme) {
        List<String> known = new ArrayList<>();
        for (TransportProvider p : ServiceLoader.load(TransportProvider.class, Transports.class.getClassLoader())) {
            if (p.scheme().equals(scheme)) return p;
            known.add(p.scheme());
        }
        throw new IllegalArgumentException("no transport for scheme '" + scheme + "' (there are: " + String.join(", ", known) + ")");
    }

    /**
     * The provider for an endpoint such as {@code shm:/dev/shm/x.ring}.
     *
     * @param endpoint an endpoint, its scheme before the first colon
     * @return the provider of that scheme
     * @throws IllegalArgumentException if the endpoint has no scheme, or no provider serves it
     */
    public static TransportProvider forEndpoint(String endpoint) {
        int colon = endpoint.indexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("endpoint '" + endpoint + "' has no scheme (like shm:PATH)");
        return provider(endpoint.substring(0, colon));
    }
}
