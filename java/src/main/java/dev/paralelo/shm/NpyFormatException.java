package dev.paralelo.shm;

import java.io.IOException;

/** A file that is not a .npy file Paralelo can map: the message says what is wrong, in one line. */
public final class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * A format error described by message; control characters (from file bytes) become '?'.
     *
     * @param message what is wrong with the file, in one line
     */
    public NpyFormatException(String message) {
        super(message.replaceAll("\\p{Cntrl}", "?"));
    }
}
