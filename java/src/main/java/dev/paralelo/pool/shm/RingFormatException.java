package dev.paralelo.pool.shm;

import java.io.IOException;

/** A file that is not a ring file this build can use: the message says what is wrong, in one line. */
public final class RingFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * A format error described by message; control characters (from file bytes) become '?'.
     *
     * @param message what is wrong with the file, in one line
     */
    public RingFormatException(String message) {
        super(message.replaceAll("\\p{Cntrl}", "?"));
    }
}
