package dev.paralelo;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link NumArray#toString()}: the array as numpy's {@code repr} prints a 1-D array with its
 * default print options (threshold 1000, edge items 3, line width 75, precision 8, float mode
 * {@code maxprec}, numpy 2's shape of a shortened array), so that {@code array([0.1 , 0.25])},
 * {@code array([1, 2, 3], dtype=int32)} and {@code array([0., 0., 0., ..., 0., 0., 0.], shape=(5000,))}
 * read as they do in Python.
 *
 * <p>Floats print positionally, each with the fewest digits that identify it (at most 8 after
 * the point), padded so that the points line up; they switch to scientific notation, as numpy
 * does, when the largest magnitude is at least 1e8, the smallest nonzero one is below 1e-4, or
 * their ratio exceeds 1000. Digits come from Java's shortest representation; where an element
 * needs more than 8 fractional digits it is rounded half-even from its exact value, which may
 * differ from numpy's Dragon4 in the last digit in rare ties.
 */
final class NumpyRepr {
    private NumpyRepr() {}

    private static final int THRESHOLD = 1000, EDGE_ITEMS = 3, LINE_WIDTH = 75, PRECISION = 8;
    private static final String PREFIX = "array(";

    static String of(NumArray a) {
        long n = a.length();
        boolean summarize = n > THRESHOLD;
        List<Long> shown = new ArrayList<>();
        if (summarize) {
            for (long i = 0; i < EDGE_ITEMS; i++) shown.add(i);
            for (long i = n - EDGE_ITEMS; i < n; i++) shown.add(i);
        } else {
            for (long i = 0; i < n; i++) shown.add(i);
        }
        List<String> words = a.dtype().isFloat() ? floats(a, shown) : integers(a, shown);
        if (summarize) words.add(EDGE_ITEMS, "...");
        String body = lines(words);
        String dtype = switch (a.dtype()) {
            case F64 -> "float64";
            case F32 -> "float32";
            case I64 -> "int64";
            case I32 -> "int32";
        };
        // numpy 2 names the shape of a shortened array, and the dtype unless it is the default
        List<String> extras = new ArrayList<>();
        if (summarize) extras.add("shape=(" + n + ",)");
        if (n == 0 || (a.dtype() != DType.F64 && a.dtype() != DType.I64)) extras.add("dtype=" + dtype);
        if (extras.isEmpty()) return PREFIX + body + ")";
        String start = PREFIX + body + ",", extra = String.join(", ", extras) + ")";
        int lastLine = start.length() - (start.lastIndexOf('\n') + 1);
        return start + (lastLine + extra.length() + 1 > LINE_WIDTH ? "\n" + " ".repeat(PREFIX.length()) : " ") + extra;
    }

    /** numpy's _formatArray for one axis: words joined by ", ", wrapped under the opening bracket. */
    private static String lines(List<String> words) {
        if (words.isEmpty()) return "[]";
        String indent = " ".repeat(PREFIX.length() + 1);
        int width = LINE_WIDTH - 1 /* ")" */ - 1 /* "," or "]" */;
        StringBuilder s = new StringBuilder();
        StringBuilder line = new StringBuilder(indent);
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (line.length() + w.length() > width && line.length() > indent.length()) {
                s.append(line.toString().stripTrailing()).append('\n');
                line.setLength(0);
                line.append(indent);
            }
            line.append(w);
            if (i + 1 < words.size()) line.append(", ");
        }
        s.append(line);
        return "[" + s.substring(indent.length()) + "]";
    }

    private static List<String> integers(NumArray a, List<Long> shown) {
        List<String> raw = new ArrayList<>();
        for (long i : shown) {
            raw.add(switch (a) {
                case I64Array x -> Long.toString(x.get(i));
                case I32Array x -> Integer.toString(x.get(i));
                default -> throw new AssertionError(a.dtype());
            });
        }
        int width = raw.stream().mapToInt(String::length).max().orElse(0);
        List<String> out = new ArrayList<>();
        for (String r : raw) out.add(" ".repeat(width - r.length()) + r);
        return out;
    }

    private static List<String> floats(NumArray a, List<Long> shown) {
        double[] v = new double[shown.size()];
        boolean f32 = a instanceof F32Array;
        for (int k = 0; k < v.length; k++) {
            long i = shown.get(k);
            v[k] = f32 ? ((F32Array) a).get(i) : ((F64Array) a).get(i);
        }
        double maxAbs = 0, minAbs = Double.POSITIVE_INFINITY;
        boolean anyFinite = false, negInf = false;
        for (double x : v) {
            if (Double.isFinite(x)) {
                anyFinite = true;
                double m = Math.abs(x);
                maxAbs = Math.max(maxAbs, m);
                if (m != 0) minAbs = Math.min(minAbs, m);
            } else if (x == Double.NEGATIVE_INFINITY) {
                negInf = true;
            }
        }
        if (minAbs == Double.POSITIVE_INFINITY) minAbs = 0;
        boolean exp = anyFinite && (maxAbs >= 1e8 || (minAbs != 0 && (minAbs < 1e-4 || maxAbs / minAbs > 1000)));

        // Digits of each finite element: integer part, fraction, exponent (scientific only).
        String[][] parts = new String[v.length][];
        int padLeft = 0, padRight = 0, expDigits = 2; // numpy prints at least two exponent digits
        for (int k = 0; k < v.length; k++) {
            if (!Double.isFinite(v[k])) continue;
            BigDecimal d = digits(v[k], f32);
            String[] p = exp ? scientific(d, v[k]) : positional(d, v[k]);
            parts[k] = p;
            padLeft = Math.max(padLeft, p[0].length());
            padRight = Math.max(padRight, p[1].length());
            if (exp) expDigits = Math.max(expDigits, p[2].replaceFirst("^-", "").length());
        }
        int right = padRight + (exp ? 2 + expDigits : 0); // after the point: fraction, then "e+05"
        boolean anyNonFinite = false;
        for (double x : v) anyNonFinite |= !Double.isFinite(x);
        if (anyNonFinite) padLeft = Math.max(padLeft, 3 + (negInf ? 1 : 0) - (right + 1)); // room for nan, inf, -inf
        int total = padLeft + 1 + right;
        List<String> out = new ArrayList<>();
        for (int k = 0; k < v.length; k++) {
            String w;
            if (parts[k] == null) {
                String special = Double.isNaN(v[k]) ? "nan" : v[k] > 0 ? "inf" : "-inf";
                w = anyFinite ? " ".repeat(Math.max(0, total - special.length())) + special : special;
            } else if (exp) {
                // every mantissa gets the longest fraction, zero-padded (numpy's trim 'k')
                String frac = parts[k][1] + "0".repeat(padRight - parts[k][1].length());
                String e = parts[k][2];
                String sign = e.startsWith("-") ? "-" : "+";
                String digits = e.replaceFirst("^[-+]", "");
                w = " ".repeat(padLeft - parts[k][0].length()) + parts[k][0] + "." + frac + "e" + sign
                        + "0".repeat(expDigits - digits.length()) + digits;
            } else {
                w = " ".repeat(padLeft - parts[k][0].length()) + parts[k][0] + "." + parts[k][1]
                        + " ".repeat(padRight - parts[k][1].length());
            }
            out.add(w);
        }
        if (!anyFinite) {
            int width = out.stream().mapToInt(String::length).max().orElse(0);
            out.replaceAll(w -> " ".repeat(width - w.length()) + w);
        }
        return out;
    }

    /** The shortest decimal that identifies x (as float when f32), exact for -0.0 too. */
    private static BigDecimal digits(double x, boolean f32) {
        return new BigDecimal(f32 ? Float.toString((float) x) : Double.toString(x));
    }

    /** Integer part (with sign) and fraction, at most 8 fractional digits, trailing zeros trimmed. */
    private static String[] positional(BigDecimal d, double x) {
        if (d.scale() > PRECISION) d = new BigDecimal(x).setScale(PRECISION, RoundingMode.HALF_EVEN);
        String plain = d.stripTrailingZeros().toPlainString();
        if (d.signum() == 0) plain = "0";
        String sign = (x < 0 || (x == 0 && 1 / x < 0)) && !plain.startsWith("-") ? "-" : "";
        int dot = plain.indexOf('.');
        return dot < 0 ? new String[] {sign + plain, ""} : new String[] {sign + plain.substring(0, dot), plain.substring(dot + 1)};
    }

    /** Mantissa's integer digit (with sign), fraction (at most 8 digits, trimmed) and exponent ("-5", "10"). */
    private static String[] scientific(BigDecimal d, double x) {
        if (d.signum() == 0) return new String[] {(1 / x < 0 ? "-" : "") + "0", "", "0"};
        int exponent = d.precision() - d.scale() - 1;
        BigDecimal mantissa = d.movePointLeft(exponent);
        if (mantissa.scale() > PRECISION) {
            mantissa = new BigDecimal(x).movePointLeft(exponent).setScale(PRECISION, RoundingMode.HALF_EVEN);
            if (mantissa.abs().compareTo(BigDecimal.TEN) >= 0) {
                exponent++;
                mantissa = mantissa.movePointLeft(1).setScale(PRECISION, RoundingMode.HALF_EVEN);
            }
        }
        String plain = mantissa.stripTrailingZeros().toPlainString();
        int dot = plain.indexOf('.');
        String e = Integer.toString(exponent);
        return dot < 0 ? new String[] {plain, "", e} : new String[] {plain.substring(0, dot), plain.substring(dot + 1), e};
    }
}
