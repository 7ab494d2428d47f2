package dev.paralelo.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The sizes below which the native provider runs a call on the Vector API kernels instead of
 * downcalling: a downcall and its checks cost tens of nanoseconds, which a short vector loop in
 * the JIT's code does not pay. The table is data ({@code crossover.properties}, beside this
 * class), measured and explained there; {@code -Dparalelo.crossover.KERNEL.DTYPE=N} overrides
 * an entry (N >= 0; anything else is a {@link ConfigurationException}). Results are the same
 * bits on either side of a crossover.
 */
public final class Crossover {
    private Crossover() {}

    private static final String PREFIX = "paralelo.crossover.";

    private static final class Table {
        static final Map<String, Long> BELOW = load();
    }

    private static Map<String, Long> load() {
        Properties p = new Properties();
        try (InputStream in = Crossover.class.getResourceAsStream("crossover.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            throw new ConfigurationException("the crossover table could not be read: " + e.getMessage(), e);
        }
        Map<String, Long> m = new TreeMap<>();
        for (String k : p.stringPropertyNames()) m.put(k, parse(k, p.getProperty(k)));
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith(PREFIX)) m.put(k.substring(PREFIX.length()), parse(k, System.getProperty(k)));
        }
        return Map.copyOf(m);
    }

    private static long parse(String key, String value) {
        try {
            long v = Long.parseLong(value.strip());
            if (v >= 0) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(key + "=" + value + " is not a valid crossover: use an element count >= 0", null);
    }

    /** Calls of kernel key (e.g. "min.f64", "sum-fast.f64") below this many elements take the vector path. */
    public static long below(String key) {
        return Table.BELOW.getOrDefault(key, 0L);
    }

    /** The kernels a table may name, in the order of {@link #flat()}'s index. */
    static final String[] KERNELS = {"sum", "mean", "min", "max", "variance", "dot", "add", "sub", "mul"};

    /**
     * The table as an array for the hot path (a map lookup with a built key would cost more than
     * the small calls it is for): entry (kernel * 2 + fast) * 4 + dtype, kernel an index into
     * {@link #KERNELS}, dtype a PL_* element type.
     */
    static long[] flat() {
        long[] f = new long[KERNELS.length * 8];
        String[] types = {"f64", "f32", "i64", "i32"};
        for (int k = 0; k < KERNELS.length; k++) {
            for (int fast = 0; fast < 2; fast++) {
                for (int d = 0; d < 4; d++) f[(k * 2 + fast) * 4 + d] = below(KERNELS[k] + (fast == 1 ? "-fast." : ".") + types[d]);
            }
        }
        return f;
    }

    /** The whole table, e.g. "add.f64 < 64, dot.f64 < 256, ...". */
    public static String describe() {
        StringBuilder sb = new StringBuilder();
        for (var e : new TreeMap<>(Table.BELOW).entrySet()) {
            if (e.getValue() == 0) continue;
            if (sb.length() > 0) sb.append(", ");
            sb.append(e.getKey()).append(" < ").append(e.getValue());
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
