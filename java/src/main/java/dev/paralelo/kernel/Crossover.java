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
 * an entry (N >= 0, KERNEL and DTYPE as in the table; anything else is a
 * {@link ConfigurationException} from {@code Kernels.defaults()} and every provider). Results are the same
 * bits on either side of a crossover.
 */
public final class Crossover {
    private Crossover() {}

    private static final String PREFIX = "paralelo.crossover.";

    private static final class Table {
        /** Why the table is unusable (a bad value or an unknown key), or null. */
        static String problem;
        static final Map<String, Long> BELOW = load();
    }

    /** Loads the table; a bad entry leaves it empty and says why in Table.problem (never an error in a class initializer). */
    private static Map<String, Long> load() {
        Properties p = new Properties();
        try (InputStream in = Crossover.class.getResourceAsStream("crossover.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            Table.problem = "the crossover table could not be read: " + e.getMessage();
            return Map.of();
        }
        Map<String, Long> m = new TreeMap<>();
        try {
            for (String k : p.stringPropertyNames()) m.put(k, parse(k, k, p.getProperty(k)));
            for (String k : System.getProperties().stringPropertyNames()) {
                if (k.startsWith(PREFIX)) m.put(k.substring(PREFIX.length()), parse(k.substring(PREFIX.length()), "-D" + k, System.getProperty(k)));
            }
        } catch (IllegalArgumentException e) {
            Table.problem = e.getMessage();
            return Map.of();
        }
        return Map.copyOf(m);
    }

    private static long parse(String key, String setting, String value) {
        if (!KEYS.contains(key)) {
            throw new IllegalArgumentException(setting + " names no kernel: a crossover is KERNEL.DTYPE or KERNEL-fast.DTYPE, with KERNEL one of "
                    + String.join(", ", KERNELS) + " and DTYPE one of " + String.join(", ", TYPES));
        }
        try {
            long v = Long.parseLong(value.strip());
            if (v >= 0) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(setting + "=" + value + " is not a valid crossover: use an element count >= 0");
    }

    /**
     * Checks the table and its -Dparalelo.crossover.* settings.
     *
     * @throws IllegalArgumentException naming the bad setting and the valid ones
     */
    static void validate() {
        Map<String, Long> unused = Table.BELOW;
        if (Table.problem != null) throw new IllegalArgumentException(Table.problem);
    }

    /** The table, or a ConfigurationException where a setting is bad. */
    private static Map<String, Long> table() {
        Map<String, Long> t = Table.BELOW;
        if (Table.problem != null) throw new ConfigurationException(Table.problem, null);
        return t;
    }

    /** Calls of kernel key (e.g. "min.f64", "sum-fast.f64") below this many elements take the vector path. */
    public static long below(String key) {
        return table().getOrDefault(key, 0L);
    }

    /** The kernels a table may name, in the order of {@link #flat()}'s index. */
    static final String[] KERNELS = {"sum", "mean", "min", "max", "variance", "dot", "add", "sub", "mul"};

    /** The element types a key may name, in PL_* order. */
    private static final String[] TYPES = {"f64", "f32", "i64", "i32"};

    /** Every key a table may hold: KERNEL.DTYPE and KERNEL-fast.DTYPE. */
    private static final java.util.Set<String> KEYS = keys();

    private static java.util.Set<String> keys() {
        java.util.Set<String> k = new java.util.HashSet<>();
        for (String kernel : KERNELS) {
            for (String t : TYPES) {
                k.add(kernel + "." + t);
                k.add(kernel + "-fast." + t);
            }
        }
        return java.util.Set.copyOf(k);
    }

    /**
     * The table as an array for the hot path (a map lookup with a built key would cost more than
     * the small calls it is for): entry (kernel * 2 + fast) * 4 + dtype, kernel an index into
     * {@link #KERNELS}, dtype a PL_* element type.
     */
    static long[] flat() {
        long[] f = new long[KERNELS.length * 8];
        for (int k = 0; k < KERNELS.length; k++) {
            for (int fast = 0; fast < 2; fast++) {
                for (int d = 0; d < 4; d++) f[(k * 2 + fast) * 4 + d] = below(KERNELS[k] + (fast == 1 ? "-fast." : ".") + TYPES[d]);
            }
        }
        return f;
    }

    /** The whole table, e.g. "add.f64 < 64, dot-fast.f64 < 1024, ...". */
    public static String describe() {
        StringBuilder sb = new StringBuilder();
        for (var e : new TreeMap<>(table()).entrySet()) {
            if (e.getValue() == 0) continue;
            if (sb.length() > 0) sb.append(", ");
            sb.append(e.getKey()).append(" < ").append(e.getValue());
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
