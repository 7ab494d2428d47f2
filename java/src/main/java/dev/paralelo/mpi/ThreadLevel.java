package dev.paralelo.mpi;

import dev.paralelo.internal.ffi.ParaleloMpiLib;

/** MPI's thread support levels, in increasing order, with the codes of paralelo_mpi.h. */
public enum ThreadLevel {
    /** One thread in the process. */
    SINGLE(ParaleloMpiLib.PL_MPI_THREAD_SINGLE),
    /** Many threads; only the thread that started MPI calls it. Paralelo's default. */
    FUNNELED(ParaleloMpiLib.PL_MPI_THREAD_FUNNELED),
    /** Many threads, one MPI call at a time. */
    SERIALIZED(ParaleloMpiLib.PL_MPI_THREAD_SERIALIZED),
    /** Any thread, any time. */
    MULTIPLE(ParaleloMpiLib.PL_MPI_THREAD_MULTIPLE);

    private final int code;

    ThreadLevel(int code) {
        this.code = code;
    }

    /**
     * The {@code PL_MPI_THREAD_*} code.
     *
     * @return the level's code in paralelo_mpi.h, 0 to 3 in the order of the levels, which the
     *     shim maps to MPI's {@code MPI_THREAD_*}
     */
    public int code() {
        return code;
    }

    static ThreadLevel ofCode(int code) {
        for (ThreadLevel l : values()) if (l.code == code) return l;
        throw new IllegalArgumentException("no thread level has code " + code);
    }
}
