package dev.paralelo.shm;

/**
 * Byte layout of the cross-process barrier, the Java twin of {@code struct pl_barrier} in
 * {@code paralelo.h} (a test checks that the two agree). Each mutable field has a 64-byte cache
 * line of its own so that waiters polling {@link #GENERATION_OFFSET} do not slow arrivals.
 */
public final class BarrierLayout {
    private BarrierLayout() {}

    /** int64 {@link #MAGIC}, written last (release) by initialisation. */
    public static final long MAGIC_OFFSET = 0;
    /** int64 number of parties, constant after initialisation. */
    public static final long PARTIES_OFFSET = 8;
    /** int64 parties arrived in the current generation. */
    public static final long ARRIVED_OFFSET = 64;
    /** int64 generation, incremented (release) by the last arrival; {@link #BROKEN} once a wait timed out. */
    public static final long GENERATION_OFFSET = 128;
    /** Total size in bytes. */
    public static final long LENGTH = 192;
    /** "PLBRB1" as a little-endian int64: marks an initialised barrier. */
    public static final long MAGIC = 0x314252424C50L;
    /** The generation of a broken barrier (-1): a wait timed out, every wait fails from then on. */
    public static final long BROKEN = -1L;
}
