package dev.paralelo.mpi;

/**
 * Another rank could not compute its part of a collective reduction, so this rank has no
 * result either. The failing rank threw its own exception, which says why; the
 * {@link #getCause() cause} here is this rank's own failure, if it failed too.
 */
public final class PeerFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The lowest rank that failed: {@link #rank()}. */
    private final int rank;

    PeerFailureException(int rank, Throwable cause) {
        super("rank " + rank + " could not compute its part (its own error says why); no result", cause);
        this.rank = rank;
    }

    /**
     * The lowest rank that failed.
     *
     * @return that rank, in [0, {@link Mpi#size()}), never this one: it threw its own exception,
     *     which says why
     */
    public int rank() {
        return rank;
    }
}
