package dev.paralelo.shm;

/**
 * Which characters a shared array's name may hold, and how names and other untrusted text are
 * shown: anything that would not print as itself on a terminal (controls, DEL, C1 controls,
 * bidirectional overrides and other format characters, separators, unpaired surrogates,
 * unassigned code points, U+FFFD) is refused in new names and escaped when printed.
 */
final class Names {
    private Names() {}

    /** Whether code point c prints as itself. Spaces are printable; tabs and newlines are not. */
    static boolean printable(int c) {
        if (c == 0xFFFD) return false;
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.PRIVATE_USE -> false;
            case Character.SPACE_SEPARATOR -> c == ' ';
            default -> true;
        };
    }

    /** Index of the first character of s that does not print as itself, or -1. */
    static int firstUnprintable(String s) {
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (!printable(c)) return i;
            i += Character.charCount(c);
        }
        return -1;
    }

    /** s with a backslash escape for every character that does not print as itself, and for '\'. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\\') sb.append("\\\\");
            else if (c == '\t') sb.append("\\t");
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (printable(c)) sb.appendCodePoint(c);
            else if (c < 0x100) sb.append(String.format(java.util.Locale.ROOT, "\\x%02x", c));
            else sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", c));
        }
        return sb.toString();
    }
}
