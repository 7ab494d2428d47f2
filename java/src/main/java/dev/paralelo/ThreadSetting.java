package dev.paralelo;

import dev.paralelo.kernel.ConfigurationException;
import java.util.Map;

/**
 * The default thread count per call, read once from the environment: the system property
 * {@code paralelo.threads}, else the variable {@code PARALELO_THREADS}, else OpenMP's
 * {@code OMP_NUM_THREADS} (its first value, as OpenMP reads a nested list), else one thread per
 * core. 0 means "one per core" in both of Paralelo's settings; OpenMP's variable must be
 * positive. A value that is not a number is a {@link ConfigurationException} naming the setting,
 * never a silent fallback.
 */
record ThreadSetting(int threads, String source) {
    /** The system property. */
    static final String PROPERTY = "paralelo.threads";
    /** The environment variable. */
    static final String VARIABLE = "PARALELO_THREADS";
    /** OpenMP's variable, honoured when neither of Paralelo's own is set. */
    static final String OMP = "OMP_NUM_THREADS";

    /** The setting for this process (system properties and environment). */
    static ThreadSetting read(int cores) {
        return read(System.getProperty(PROPERTY), System.getenv(), cores);
    }

    /** The setting given a property value (null when unset), an environment and the core count. */
    static ThreadSetting read(String property, Map<String, String> env, int cores) {
        if (property != null) return of("-D" + PROPERTY, property, true, cores);
        String v = env.get(VARIABLE);
        if (v != null && !v.isBlank()) return of(VARIABLE, v, true, cores);
        v = env.get(OMP);
        if (v != null && !v.isBlank()) {
            int comma = v.indexOf(',');
            return of(OMP, comma < 0 ? v : v.substring(0, comma), false, cores);
        }
        return new ThreadSetting(cores, "one per core");
    }

    private static ThreadSetting of(String name, String value, boolean zeroIsDefault, int cores) {
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || (n == 0 && !zeroIsDefault)) {
            throw new ConfigurationException(name + "='" + value + "' is not a thread count; use "
                    + (zeroIsDefault ? "0 (one per core) or a positive integer" : "a positive integer"), null);
        }
        if (n == 0) return new ThreadSetting(cores, name + "=0, one per core");
        return new ThreadSetting(n, name + "=" + n);
    }
}
