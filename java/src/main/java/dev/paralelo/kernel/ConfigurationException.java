package dev.paralelo.kernel;

/**
 * A setting (a system property or environment variable) that names nothing valid, or asks for
 * what cannot be had; the message names the setting and its valid values. Kernels are not
 * usable until it is fixed: no silent fallback.
 */
public final class ConfigurationException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** An exception with the given message and cause. */
    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
