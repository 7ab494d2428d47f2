package dev.paralelo.pool;

/**
 * The constants of the pool's wire format (docs/PROTOCOL.md): every frame starts with a 24-byte
 * little-endian header, then a body whose layout the frame type gives.
 *
 * <pre>
 * offset size  field
 *      0    4  magic "PLWF" (bytes 50 4C 57 46)
 *      4    2  version (1)
 *      6    2  type: 1 TASKS, 2 RESULTS, 3 HELLO
 *      8    4  frame length in bytes, header included (must equal the received length)
 *     12    4  record count (tasks or results; 1 for HELLO)
 *     16    8  job id
 * </pre>
 */
public final class WireFormat {
    private WireFormat() {}

    /** "PLWF" read as a little-endian int. */
    public static final int MAGIC = 0x46574C50;
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;
    /** Header length in bytes. */
    public static final int HEADER_LENGTH = 24;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version (u16). */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the frame type (u16). */
    public static final int TYPE_OFFSET = 6;
    /** Offset of the frame length (u32). */
    public static final int LENGTH_OFFSET = 8;
    /** Offset of the record count (u32). */
    public static final int COUNT_OFFSET = 12;
    /** Offset of the job id (u64). */
    public static final int JOB_OFFSET = 16;

    /** Parent to worker: a batch of tasks over named arrays. */
    public static final int TYPE_TASKS = 1;
    /** Worker to parent: results keyed by task id. */
    public static final int TYPE_RESULTS = 2;
    /** Worker to parent, once after connecting: who it is. */
    public static final int TYPE_HELLO = 3;

    /** Task kind: the partial state of a reduction over a block-aligned element range. */
    public static final int KIND_PARTIAL = 1;
    /** Task kind: slices [start, end) of a slice reduction, written into a shared output. */
    public static final int KIND_SLICES = 2;

    /** Bytes per task record. */
    public static final int TASK_LENGTH = 64;
    /** Bytes of a result record before its payload (which is padded to 8 bytes). */
    public static final int RESULT_HEADER_LENGTH = 16;
    /** Bytes of a HELLO body. */
    public static final int HELLO_LENGTH = 24;
    /** The most arrays one TASKS frame names. */
    public static final int MAX_ARRAYS = 255;
    /** The longest array path, in UTF-8 bytes. */
    public static final int MAX_PATH_BYTES = 4096;
    /** "No array" in a task's y or out index. */
    public static final int NO_ARRAY = 0xFFFF;

    /**
     * HELLO's declines field: bit {@code DECLINE_MODE_SHIFT + m} declines summation mode m
     * ({@link dev.paralelo.SumMode#code()}).
     */
    public static final int DECLINE_MODE_SHIFT = 0;
    /** Bit {@code DECLINE_OP_SHIFT + op} declines PARTIAL tasks of reduction op ({@link dev.paralelo.Reduction#code()}). */
    public static final int DECLINE_OP_SHIFT = 8;
    /** Bit {@code DECLINE_DTYPE_SHIFT + t} declines tasks whose input has element type t ({@link dev.paralelo.DType#code()}). */
    public static final int DECLINE_DTYPE_SHIFT = 16;
    /** Bit {@code DECLINE_KIND_SHIFT + kind - 1} declines every task of kind ({@link #KIND_PARTIAL}, {@link #KIND_SLICES}). */
    public static final int DECLINE_KIND_SHIFT = 24;
    /** The bits a HELLO's declines may have. */
    public static final long DECLINE_KNOWN = (1L << (DECLINE_KIND_SHIFT + 2)) - 1;

    /** Result status: done; the payload is the partial state's encoding (empty for slices). */
    public static final int STATUS_OK = 0;
    /** Result status: the task could not run on its array (missing, truncated, wrong type); payload: UTF-8 message. */
    public static final int STATUS_ARRAY = 1;
    /** Result status: the kernel raised an error (an integer overflow); payload: UTF-8 message. */
    public static final int STATUS_KERNEL = 2;
    /** Result status: the frame was not valid; payload: UTF-8 message. */
    public static final int STATUS_PROTOCOL = 3;
    /**
     * Result status: done, for several PARTIAL tasks at once; the payload holds their ids and
     * their states merged into one (see {@link Frames#group(long[], byte[])}).
     */
    public static final int STATUS_GROUP = 4;
}
