#!/usr/bin/env python3
"""A Paralelo pool worker in Python: pyzmq for the transport, numpy for the kernels.

    python3 examples/python/paralelo_worker.py --connect tcp://HOST:5555 \\
        [--key w.key_secret --server-key pool.key | --insecure]

It attaches to a pool that listens (``paralelo sum FILE --listen tcp://*:5555``), speaks the
frames of docs/PROTOCOL.md over a ZeroMQ DEALER socket, maps each array it is given with
``numpy.load(path, mmap_mode="r")`` (or ``numpy.memmap`` for a raw file), and answers with partial
states whose bytes are those of the Java workers (docs/FORMAT.md, "Partial states"):

* float sums and means, accurate mode: the order of docs/ACCURACY.md, run for every block of a
  task at once: the range as an array of shape (blocks, 512, 8), 512 TwoSum steps over
  (blocks, 8) arrays of lanes, the fixed pairwise fold of the 8 lanes into (hi, lo), and each
  block's hi and lo added exactly into the ExactSum accumulator, a Python int in units of
  2^-2162 (state version 2: 136 digits). A block whose lanes are not finite adds its elements one by one, as the Java kernel
  does. f32 data is widened to f64 first, as in Java.
* integer sums and means: exact, with Python ints.

Everything else (fast mode, min, max, variance, dot, slices) it declines in its HELLO, and the
pool never sends it such a task. Exit status: 0 when the pool closed, 2 for bad arguments, 3
when the pool went silent (or never answered: a wrong endpoint, or a key it refused).
"""

import argparse
import os
import stat
import struct
import sys
import time

import numpy as np
import zmq

# ---- docs/PROTOCOL.md ----------------------------------------------------------------------
MAGIC = 0x46574C50  # "PLWF"
VERSION = 1
TYPE_TASKS, TYPE_RESULTS, TYPE_HELLO = 1, 2, 3
HEADER = struct.Struct("<IHHIIQ")  # magic, version, type, length, count, job: 24 bytes
ARRAY_TABLE = struct.Struct("<HHI")  # arrays, reserved, reserved
ARRAY_ENTRY = struct.Struct("<BBHIq")  # dtype, reserved, path_len, reserved, length
TASK = struct.Struct("<QBBBBHHHHIqqqdQ")  # 64 bytes
RESULT = struct.Struct("<QiI")  # task, status, payload length
HELLO = struct.Struct("<iiqQ")  # worker, threads, pid, declines
KIND_PARTIAL, KIND_SLICES = 1, 2
OP_SUM, OP_MEAN = 0, 1
MODE_ACCURATE, MODE_FAST = 0, 1
STATUS_OK, STATUS_ARRAY, STATUS_KERNEL, STATUS_PROTOCOL = 0, 1, 2, 3
NO_ARRAY = 0xFFFF
MAX_FRAME = 64 << 10
BLOCK, LANES = 4096, 8
DTYPES = {0: np.dtype("<f8"), 1: np.dtype("<f4"), 2: np.dtype("<i8"), 3: np.dtype("<i4")}

# What this worker declines (HELLO): fast mode, min/max/variance/dot, slices.
DECLINE_MODE, DECLINE_OP, DECLINE_DTYPE, DECLINE_KIND = 0, 8, 16, 24
DECLINES = (1 << (DECLINE_MODE + MODE_FAST)) | sum(1 << (DECLINE_OP + op) for op in (2, 3, 4, 5)) \
    | (1 << (DECLINE_KIND + KIND_SLICES - 1))

# ---- the ZeroMQ transport (docs/PROTOCOL.md, "Transports") ------------------------------------
HEARTBEAT_S = 0.5
CLOSE = b"\x43"

# ---- partial states (docs/FORMAT.md) -----------------------------------------------------------
STATE = struct.Struct("<IHHII")  # magic "PLST", version, kind, words, flags
STATE_MAGIC = 0x54534C50
KIND_SUM, KIND_INTEGER = 1, 2
STATE_VERSION = 2
ACC_DIGITS = 136
UNIT = 1 << 2162  # the accumulator counts units of 2^-2162 (34 digits below 2^-1074, for exact products)


class Refused(Exception):
    """A task this worker cannot run: (status, message)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def exact(v):
    """A finite double as an integer number of 2^-2162 units (exact)."""
    n, d = float(v).as_integer_ratio()
    return n * (UNIT // d)


def two_sum_error(a, b, t):
    """The exact error of t = a + b (TwoSum's second half), elementwise."""
    z = t - a
    return (a - (t - z)) + (b - z)


def fold(s, c):
    """The 8 lanes of each block folded into (hi, lo) by the fixed pairwise tree of ACCURACY.md."""
    h = [s[:, 2 * i] + s[:, 2 * i + 1] for i in range(4)]
    low = [(c[:, 2 * i] + c[:, 2 * i + 1]) + two_sum_error(s[:, 2 * i], s[:, 2 * i + 1], h[i]) for i in range(4)]
    g0, g1 = h[0] + h[1], h[2] + h[3]
    m0 = (low[0] + low[1]) + two_sum_error(h[0], h[1], g0)
    m1 = (low[2] + low[3]) + two_sum_error(h[2], h[3], g1)
    hi = g0 + g1
    return hi, (m0 + m1) + two_sum_error(g0, g1, hi)


def float_sum_state(x, start, end):
    """The ExactSum state of x[start, end) in accurate mode: the bytes Kernels.partial(SUM) gives."""
    seg = np.asarray(x[start:end], dtype=np.float64)
    n = seg.size
    acc = nan = pos_inf = neg_inf = 0
    if n:
        blocks = (n + BLOCK - 1) // BLOCK
        # Zeros after the last element change no lane (a zero added to a finite lane leaves it,
        # up to the sign of a zero, which adds nothing to the accumulator).
        padded = np.zeros(blocks * BLOCK) if blocks * BLOCK != n else None
        if padded is not None:
            padded[:n] = seg
        v = (seg if padded is None else padded).reshape(blocks, BLOCK // LANES, LANES)
        s = np.zeros((blocks, LANES))
        c = np.zeros((blocks, LANES))
        with np.errstate(all="ignore"):
            for j in range(BLOCK // LANES):
                e = v[:, j, :]
                t = s + e
                z = t - s
                c += (s - (t - z)) + (e - z)
                s = t
            hi, lo = fold(s, c)
            ok = np.isfinite(s).all(axis=1) & np.isfinite(c).all(axis=1) & np.isfinite(hi) & np.isfinite(lo)
        for b in range(blocks):
            if ok[b]:
                acc += exact(hi[b]) + exact(lo[b])
                continue
            # An infinity, a NaN or an overflow in a lane: this block's elements go in one by one.
            part = seg[b * BLOCK:min(n, (b + 1) * BLOCK)]
            nan += int(np.isnan(part).sum())
            pos_inf += int((part == np.inf).sum())
            neg_inf += int((part == -np.inf).sum())
            for value in part[np.isfinite(part)].tolist():
                acc += exact(value)
    words = [(acc >> (32 * k)) & 0xFFFFFFFF for k in range(ACC_DIGITS - 1)]
    words.append(acc >> (32 * (ACC_DIGITS - 1)))  # the top digit keeps the sign
    words += [0, nan, pos_inf, neg_inf]
    return STATE.pack(STATE_MAGIC, STATE_VERSION, KIND_SUM, len(words), 0) + struct.pack("<%dq" % len(words), *words)


def integer_sum_state(x, start, end):
    """The IntegerSum state of x[start, end): the exact sum as a 256-bit two's complement integer."""
    seg = np.asarray(x[start:end])
    if seg.dtype.itemsize == 4:
        total = int(seg.astype(np.int64).sum())
    else:  # high and low 32-bit halves apart: no int64 overflow for 2^31 elements
        total = (int((seg >> 32).sum()) << 32) + int((seg & 0xFFFFFFFF).sum())
    v = total % (1 << 256)
    return STATE.pack(STATE_MAGIC, STATE_VERSION, KIND_INTEGER, 4, 0) + struct.pack("<4Q", *[(v >> (64 * k)) & (2 ** 64 - 1) for k in range(4)])


# ---- arrays ------------------------------------------------------------------------------------

class Arrays:
    """Mapped arrays by path, kept while the path names the same file (device and inode)."""

    def __init__(self):
        self.open = {}

    def get(self, path, dtype_code, length):
        try:
            st = os.stat(path, follow_symlinks=False)
        except OSError as e:
            raise Refused(STATUS_ARRAY, "%s: %s" % (path, e.strerror))
        if not stat.S_ISREG(st.st_mode):
            raise Refused(STATUS_ARRAY, "%s: not a regular file" % path)
        key = (st.st_dev, st.st_ino, st.st_size)
        cached = self.open.get(path)
        if cached is None or cached[0] != key:
            try:
                with open(path, "rb") as f:
                    npy = f.read(6) == b"\x93NUMPY"
                if npy:
                    a = np.load(path, mmap_mode="r", allow_pickle=False)
                elif st.st_size == 0:
                    a = np.zeros(0, dtype=DTYPES[dtype_code])
                else:
                    a = np.memmap(path, dtype=DTYPES[dtype_code], mode="r")
            except (OSError, ValueError) as e:
                raise Refused(STATUS_ARRAY, "%s: %s" % (path, e))
            cached = (key, a)
            self.open[path] = cached
        a = cached[1]
        want = DTYPES[dtype_code]
        if a.dtype != want or a.size != length:
            raise Refused(STATUS_ARRAY, "%s holds %s x %d, but the task names %s x %d" % (path, a.dtype, a.size, want, length))
        return a.reshape(-1)


# ---- frames ------------------------------------------------------------------------------------

def decode_tasks(frame):
    """(job, arrays, tasks) of a TASKS frame; ValueError naming what is wrong."""
    if len(frame) < HEADER.size:
        raise ValueError("frame: truncated header")
    magic, version, ftype, length, count, job = HEADER.unpack_from(frame)
    if magic != MAGIC or version != VERSION or ftype != TYPE_TASKS or length != len(frame):
        raise ValueError("frame: not a version %d TASKS frame of %d bytes" % (VERSION, len(frame)))
    pos = HEADER.size
    n_arrays, r1, r2 = ARRAY_TABLE.unpack_from(frame, pos)
    pos += ARRAY_TABLE.size
    if not 1 <= n_arrays <= 255 or r1 or r2:
        raise ValueError("array table: %d arrays" % n_arrays)
    arrays = []
    for i in range(n_arrays):
        dtype, r1, path_len, r2, alen = ARRAY_ENTRY.unpack_from(frame, pos)
        pos += ARRAY_ENTRY.size
        if dtype not in DTYPES or r1 or r2 or not 1 <= path_len <= 4096 or pos + path_len > len(frame):
            raise ValueError("array %d: bad entry" % i)
        path = frame[pos:pos + path_len].decode("utf-8")
        pos += (path_len + 7) & ~7
        arrays.append((path, dtype, alen))
    if pos + count * TASK.size != len(frame):
        raise ValueError("frame: %d tasks do not fit" % count)
    tasks = [TASK.unpack_from(frame, pos + i * TASK.size) for i in range(count)]
    return job, arrays, tasks


def encode_results(job, results):
    """RESULTS frames for [(task, status, payload)], each within MAX_FRAME."""
    frames, part, size = [], [], HEADER.size
    for r in results:
        rl = RESULT.size + ((len(r[2]) + 7) & ~7)
        if part and size + rl > MAX_FRAME:
            frames.append((part, size))
            part, size = [], HEADER.size
        part.append(r)
        size += rl
    if part or not results:
        frames.append((part, size))
    out = []
    for part, size in frames:
        b = bytearray(HEADER.pack(MAGIC, VERSION, TYPE_RESULTS, size, len(part), job))
        for task, status, payload in part:
            b += RESULT.pack(task, status, len(payload)) + payload + bytes(((len(payload) + 7) & ~7) - len(payload))
        out.append(bytes(b))
    return out


def run_task(task, arrays, mapped):
    """One task's (status, payload)."""
    tid, kind, op, mode, flags, x, y, out, r1, r2, start, end, k, center, r3 = task
    if kind != KIND_PARTIAL or op not in (OP_SUM, OP_MEAN) or mode != MODE_ACCURATE:
        raise Refused(STATUS_KERNEL, "task %d: this worker declines kind %d, op %d, mode %d (its HELLO says so)" % (tid, kind, op, mode))
    if x >= len(arrays) or y != NO_ARRAY or out != NO_ARRAY or flags or k or r1 or r2 or r3:
        raise Refused(STATUS_PROTOCOL, "task %d: bad fields" % tid)
    path, dtype, length = arrays[x]
    if not (0 <= start <= end <= length) or start % BLOCK or (end % BLOCK and end != length):
        raise Refused(STATUS_PROTOCOL, "task %d: range [%d, %d) is not block-aligned within %d" % (tid, start, end, length))
    a = mapped.get(path, dtype, length)
    if dtype in (0, 1):
        return float_sum_state(a, start, end)
    return integer_sum_state(a, start, end)


# ---- the worker --------------------------------------------------------------------------------

def read_key(path, name):
    """The Z85 key 'name' from a key file (name = value lines)."""
    with open(path, "r", encoding="ascii") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                if k.strip() == name:
                    return v.strip().strip('"').encode("ascii")
    raise ValueError("%s has no '%s = ...' line" % (path, name))


def is_loopback(endpoint):
    host = endpoint[len("tcp://"):].rsplit(":", 1)[0].strip("[]")
    return host == "localhost" or host == "::1" or host.startswith("127.")


class Worker:
    def __init__(self, sock, index, timeout):
        self.sock = sock
        self.index = index
        self.timeout = timeout
        self.mapped = Arrays()
        self.last_heard = time.monotonic()
        self.last_beat = 0.0
        self.closed = False

    def beat(self):
        """A heartbeat when one is due; also takes in the pool's (between tasks of a long frame)."""
        now = time.monotonic()
        if now - self.last_beat >= HEARTBEAT_S:
            self.sock.send(b"", zmq.NOBLOCK)
            self.last_beat = now

    def serve(self, frame):
        try:
            job, arrays, tasks = decode_tasks(frame)
        except (ValueError, struct.error, UnicodeDecodeError) as e:
            job = HEADER.unpack_from(frame)[5] if len(frame) >= HEADER.size else 0
            self.send_results(job, [(0, STATUS_PROTOCOL, ("worker %d: %s" % (self.index, e)).encode())])
            return
        results = []
        for t in tasks:
            try:
                results.append((t[0], STATUS_OK, run_task(t, arrays, self.mapped)))
            except Refused as e:
                results.append((t[0], e.status, str(e).encode("utf-8")))
            except (ValueError, OverflowError, MemoryError) as e:
                results.append((t[0], STATUS_KERNEL, repr(e).encode("utf-8")))
            self.beat()
        self.send_results(job, results)

    def send_results(self, job, results):
        for f in encode_results(job, results):
            self.sock.send(f)

    def run(self):
        self.sock.send(HEADER.pack(MAGIC, VERSION, TYPE_HELLO, HEADER.size + HELLO.size, 1, 0)
                       + HELLO.pack(self.index, 1, os.getpid(), DECLINES))
        while True:
            self.beat()
            if self.sock.poll(int(HEARTBEAT_S * 1000 / 2)):
                m = self.sock.recv()
                self.last_heard = time.monotonic()
                if m == b"":
                    continue
                if m == CLOSE:
                    return 0
                self.serve(m)
            elif time.monotonic() - self.last_heard > self.timeout:
                print("paralelo_worker: no word from the pool for %.0f s; exiting" % self.timeout, file=sys.stderr)
                return 3


def main(argv):
    p = argparse.ArgumentParser(description="A Paralelo pool worker in Python (pyzmq + numpy).")
    p.add_argument("--connect", required=True, help="the pool's endpoint, tcp://HOST:PORT")
    p.add_argument("--worker", type=int, default=0, help="the index this worker reports")
    p.add_argument("--key", help="this worker's key pair (NAME.key_secret), for CURVE")
    p.add_argument("--server-key", help="the pool's public key (NAME.key), for CURVE")
    p.add_argument("--insecure", action="store_true", help="plain TCP on a non-loopback address")
    p.add_argument("--timeout", type=float, default=float(os.environ.get("PARALELO_ZMQ_TIMEOUT_S", "5")),
                   help="seconds of silence from the pool before exiting (default 5)")
    a = p.parse_args(argv)
    if not a.connect.startswith("tcp://"):
        p.error("--connect takes tcp://HOST:PORT")
    if not 0 <= a.worker < 2 ** 31:
        p.error("--worker takes an index from 0 to 2^31 - 1, got %d" % a.worker)
    if a.timeout <= 0 or a.timeout != a.timeout:
        p.error("--timeout takes a positive number of seconds")
    if (a.key is None) != (a.server_key is None):
        p.error("CURVE needs both --key and --server-key")
    if a.key is None and not a.insecure and not is_loopback(a.connect):
        p.error("plain TCP to %s (not loopback) is refused: give --key and --server-key, or --insecure" % a.connect)
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 200)
    sock.setsockopt(zmq.RECONNECT_IVL, 100)
    sock.setsockopt(zmq.MAXMSGSIZE, 16 * MAX_FRAME)
    if a.key:
        if a.key.endswith(".key"):
            p.error("%s is a public key file: give the pair, NAME.key_secret" % a.key)
        # a missing or unreadable key file, or one without its key, is bad arguments (status 2)
        try:
            if os.stat(a.key).st_mode & 0o044:
                p.error("%s holds a secret key but others may read it; chmod 600 %s" % (a.key, a.key))
            sock.curve_publickey = read_key(a.key, "public-key")
            sock.curve_secretkey = read_key(a.key, "secret-key")
            sock.curve_serverkey = read_key(a.server_key, "public-key")
        except (OSError, ValueError) as e:
            p.error("key: %s" % e)
        except zmq.ZMQError as e:
            p.error("key: ZeroMQ refused a key of %s or %s (40 Z85 characters each): %s" % (a.key, a.server_key, e))
    sock.connect(a.connect)
    try:
        return Worker(sock, a.worker, a.timeout).run()
    except KeyboardInterrupt:
        return 0
    finally:
        sock.close()
        ctx.term()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
