package dev.paralelo.mpi;

/**
 * An MPI call that failed: MPI's own error (its code and {@code MPI_Error_string}'s text), or
 * one the shim found (MPI not running, partial states that cannot merge). The shim sets
 * {@code MPI_ERRORS_RETURN}, so an MPI error reaches Java as this exception rather than
 * aborting the process.
 */
public final class MpiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The shim function that failed: {@link #call()}. */
    private final String call;
    /** Its nonzero status: {@link #status()}. */
    private final int status;

    MpiException(String call, int status, String text) {
        super(call + " failed: " + text + (status > 0 ? " (MPI error code " + status + ")" : " (status " + status + ")"));
        this.call = call;
        this.status = status;
    }

    /**
     * The shim function that failed, e.g. {@code pl_mpi_bcast}.
     *
     * @return the name of the {@code pl_mpi_*} function of paralelo_mpi.h, not of the MPI
     *     function it called
     */
    public String call() {
        return call;
    }

    /**
     * The status: positive for an MPI error code (as MPI returned it), negative for an error
     * the shim found (a {@code PL_E_*} or {@code PL_MPI_E_*} code of paralelo_mpi.h).
     *
     * @return the status the shim function returned; never 0
     */
    public int status() {
        return status;
    }

    /**
     * Whether MPI itself reported the error (status is an MPI error code).
     *
     * @return true when {@link #status()} is positive, an MPI error code whose
     *     {@code MPI_Error_string} the message holds; false for an error the shim found (MPI not
     *     running, a lower thread level than required, states that cannot merge)
     */
    public boolean isMpiError() {
        return status > 0;
    }
}
