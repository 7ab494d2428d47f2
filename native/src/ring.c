/*
 * The ring file's rings, the C twin of Java's dev.paralelo.pool.shm.ShmRing (function by
 * function: claim, offer, poll, take, release), so that a C process can join a pool as a
 * worker. The protocol and its memory ordering are described at pl_ring in paralelo.h and in
 * docs/FORMAT.md ("Ring file"); both sides use 64-bit atomics on the same aligned words, which
 * are lock-free on x86-64 and therefore work between processes. The parent's sweeper (which
 * frees records whose owner died) is Java's alone.
 */
#include "impl.h"

#include <stddef.h>
#include <string.h>

int pl_ring_layout(int64_t *offsets, int64_t n) {
    if (!offsets || n < 19) return PL_E_ARG;
    const int64_t v[19] = {
        (int64_t)offsetof(pl_ring_file, magic),       (int64_t)offsetof(pl_ring_file, version),
        (int64_t)offsetof(pl_ring_file, header_length), (int64_t)offsetof(pl_ring_file, slot_bytes),
        (int64_t)offsetof(pl_ring_file, slots),       (int64_t)offsetof(pl_ring_file, max_frame),
        (int64_t)offsetof(pl_ring_file, slot_length), (int64_t)offsetof(pl_ring_file, ring_length),
        (int64_t)offsetof(pl_ring_file, parent_pid),  (int64_t)offsetof(pl_ring_file, heartbeat),
        (int64_t)offsetof(pl_ring_file, closed),      (int64_t)sizeof(pl_ring_file),
        (int64_t)offsetof(pl_ring, tail),             (int64_t)offsetof(pl_ring, head),
        (int64_t)offsetof(pl_ring, slots),            (int64_t)sizeof(pl_ring),
        (int64_t)offsetof(pl_ring_slot, sequence),    (int64_t)offsetof(pl_ring_slot, length),
        (int64_t)sizeof(pl_ring_slot)};
    memcpy(offsets, v, sizeof v);
    return PL_OK;
}

/* One ring of a checked file, with its geometry. */
typedef struct ring_view {
    pl_ring *ring;
    int64_t *owners;
    unsigned char *data;
    int64_t slots, mask, slot_bytes, max_frame;
    int lap_shift, slot_bytes_shift;
} ring_view;

static int is_pow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

static int log2_of(int64_t x) { return __builtin_ctzll((unsigned long long)x); }

static int64_t ring_length(int64_t slots, int64_t slot_bytes) {
    int64_t per_slot = (int64_t)sizeof(pl_ring_slot) + (int64_t)sizeof(int64_t) + slot_bytes;
    int64_t end = (int64_t)sizeof(pl_ring) + slots * per_slot;
    return (end + 127) & ~(int64_t)127;
}

static int geometry_fits(int64_t slots, int64_t slot_bytes) {
    return is_pow2(slot_bytes) && slot_bytes >= 8 && slot_bytes <= 65536 && is_pow2(slots) && slots >= 16 &&
           slots <= (1 << 24);
}

/*
 * The owner word of slot s: number (s & 7) * (slots / 8) + (s >> 3) of the words after the
 * descriptors. A producer compare-and-swaps its record's owner word right after claiming it;
 * inside the descriptor (ring version 1) that locked write waited for the line the consumer was
 * polling, and two producers claiming neighbouring positions fought over one line. Here the
 * owners of 8 consecutive positions lie on 8 different lines (rings of 64 slots or more), none
 * of them polled. Java's ShmRing, 2 claiming producers to 1 consumer, 32-byte frames, threads of
 * one JVM, 2-core Zen 4, variants alternated: 8-10 M frames/s with the owner in the descriptor,
 * 11-13 M with the owners in a plain array, 14-16 M with them spread so (Agrona's
 * ManyToOneRingBuffer: 15-18 M).
 */
static int64_t owner_index(int64_t slots, int64_t pos) {
    int64_t s = pos & (slots - 1);
    return (s & 7) * (slots >> 3) + (s >> 3);
}

int pl_ring_offsets(int64_t slots, int64_t slot_bytes, int64_t pos, int64_t *offsets, int64_t n) {
    if (!offsets || n < 4 || pos < 0 || !geometry_fits(slots, slot_bytes)) return PL_E_ARG;
    int64_t owners = (int64_t)sizeof(pl_ring) + slots * (int64_t)sizeof(pl_ring_slot);
    int64_t data = owners + slots * (int64_t)sizeof(int64_t);
    offsets[0] = (int64_t)sizeof(pl_ring) + (pos & (slots - 1)) * (int64_t)sizeof(pl_ring_slot);
    offsets[1] = owners + owner_index(slots, pos) * (int64_t)sizeof(int64_t);
    offsets[2] = data + (pos & (slots - 1)) * slot_bytes;
    offsets[3] = ring_length(slots, slot_bytes);
    return PL_OK;
}

/* A ring file's geometry as checked: each word read once, so that what a check passed is what
 * a view uses, whatever another process writes into the header meanwhile. */
typedef struct geometry {
    int64_t slots, slot_bytes, max_frame, ring_length;
} geometry;

static int check_file(const void *file, int64_t bytes, geometry *g) {
    if (!file) return PL_E_ARG;
    const pl_ring_file *f = file;
    if (((uintptr_t)file & 63) != 0 || bytes < (int64_t)sizeof(pl_ring_file)) return PL_E_LAYOUT;
    if (__atomic_load_n(&f->magic, __ATOMIC_ACQUIRE) != PL_RING_MAGIC) return PL_E_LAYOUT;
    if (__atomic_load_n(&f->version, __ATOMIC_RELAXED) != PL_RING_VERSION ||
        __atomic_load_n(&f->header_length, __ATOMIC_RELAXED) != (int32_t)sizeof(pl_ring_file) ||
        __atomic_load_n(&f->slot_length, __ATOMIC_RELAXED) != (int32_t)sizeof(pl_ring_slot))
        return PL_E_LAYOUT;
    int64_t sb = __atomic_load_n(&f->slot_bytes, __ATOMIC_RELAXED), n = __atomic_load_n(&f->slots, __ATOMIC_RELAXED);
    int64_t mf = __atomic_load_n(&f->max_frame, __ATOMIC_RELAXED), len = __atomic_load_n(&f->ring_length, __ATOMIC_RELAXED);
    if (!geometry_fits(n, sb)) return PL_E_LAYOUT;
    if (mf < 0 || mf > n * sb / 2 || len != ring_length(n, sb)) return PL_E_LAYOUT;
    if (bytes < (int64_t)sizeof(pl_ring_file) + 2 * len) return PL_E_LAYOUT;
    *g = (geometry){n, sb, mf, len};
    return PL_OK;
}

int pl_ring_check(const void *file, int64_t bytes) {
    geometry g;
    return check_file(file, bytes, &g);
}

static int open_view(void *file, int64_t bytes, int which, ring_view *v) {
    geometry g;
    int rc = check_file(file, bytes, &g);
    if (rc != PL_OK) return rc;
    if (which != PL_RING_TASKS && which != PL_RING_RESULTS) return PL_E_ARG;
    v->ring = (pl_ring *)(void *)((unsigned char *)file + sizeof(pl_ring_file) + which * g.ring_length);
    v->slots = g.slots;
    v->mask = g.slots - 1;
    v->slot_bytes = g.slot_bytes;
    v->max_frame = g.max_frame;
    v->lap_shift = log2_of(g.slots);
    v->slot_bytes_shift = log2_of(g.slot_bytes);
    v->owners = (int64_t *)(void *)&v->ring->slots[v->slots];
    v->data = (unsigned char *)(v->owners + v->slots);
    return PL_OK;
}

static pl_ring_slot *desc(const ring_view *v, int64_t pos) { return &v->ring->slots[pos & v->mask]; }

static int64_t sequence(const ring_view *v, int64_t pos) {
    return __atomic_load_n(&desc(v, pos)->sequence, __ATOMIC_ACQUIRE);
}

/* The owner word of position pos held by `who` (its low 32 bits). */
static int64_t owner_word(const ring_view *v, int64_t pos, uint32_t who) {
    return (int64_t)(((uint64_t)pos >> v->lap_shift) << 32 | who);
}

static int64_t *owner(const ring_view *v, int64_t pos) { return &v->owners[owner_index(v->slots, pos)]; }

static int cas_owner(const ring_view *v, int64_t pos, int64_t expected, int64_t value) {
    return __atomic_compare_exchange_n(owner(v, pos), &expected, value, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_ACQUIRE);
}

/* Records `who` as the owner of the record claimed at pos if its owner word names nobody for
 * this lap: the lap before's word (a consumer leaves it on a record's first slot) or (lap, 0).
 * Any other word means the parent's sweeper took the claim over: this lap's word naming
 * someone, or a later lap's (the claim went out inside a skipped record and the ring moved on):
 * 0 then. A word that changes under the compare-and-swap is read again. */
static int record_owner(const ring_view *v, int64_t pos, uint32_t who) {
    uint64_t lap = ((uint64_t)pos >> v->lap_shift) & 0xFFFFFFFFu, nobody = lap << 32;
    for (;;) {
        int64_t ow = __atomic_load_n(owner(v, pos), __ATOMIC_ACQUIRE);
        if ((uint64_t)ow != nobody && (uint64_t)ow >> 32 != ((lap - 1) & 0xFFFFFFFFu)) return 0;
        if (cas_owner(v, pos, ow, owner_word(v, pos, who))) return 1;
    }
}

/* Positions a record of frame length len occupies (negative: a skipped record of -len). */
static int64_t positions(const ring_view *v, int64_t len) {
    if (len < 0) return -len;
    return len <= v->slot_bytes ? 1 : (len + v->slot_bytes - 1) >> v->slot_bytes_shift;
}

/*
 * Corrupt words. A worker must not spin on a ring that no run of the protocol can leave, so the
 * words a claim or a take reads are checked on the paths that only run when the slot is not
 * what the fast path wants (pl_ring_offer and pl_ring_poll never wait; on an intact ring the
 * checks never fail).
 *
 * Cursors: positions grow by at most one per frame, so no ring reaches 2^62 (146 years at 10^9
 * frames/s); a cursor outside [0, 2^62] is corrupt, and refusing it keeps p + slots and the
 * other position sums inside int64.
 *
 * Sequence words: the word of the slot of position x (x at or past a cursor c we read, and
 * x - slots below it) only grows, and was at least x - slots when we read c: a producer saw
 * x - slots free (sequence x - slots, acquired) before any cursor passed it, and our read of c
 * acquired that passing. Every value a slot takes is p or p + 1 for a position p it
 * serves (free or claimed, published; released is "free" one lap on), so the word is x - slots
 * or x - slots + 1 (the lap before, not released yet), x, x + 1, or a later lap's p or p + 1.
 * Any other value is corrupt whatever else is racing.
 */
#define LAST_POSITION ((int64_t)1 << 62)

static int cursor_fits(int64_t c) { return (uint64_t)c <= (uint64_t)LAST_POSITION; }

static int sequence_fits(const ring_view *v, int64_t s, int64_t x) {
    uint64_t lap_offset = ((uint64_t)s - (uint64_t)x) & (uint64_t)v->mask;
    return s >= x - v->slots && lap_offset <= 1;
}

/* How many times a claim re-reads a later lap's sequence under a tail that stands still before
 * it calls the ring full (see claim). */
#define STUCK_TRIES 64

/*
 * Claims k positions at the tail: PL_OK with the first in *first, PL_RING_FULL when one is not
 * free yet, PL_E_LAYOUT for a corrupt cursor or sequence word (above).
 *
 * A sequence above x means x was claimed after we read the tail. With claiming producers the
 * tail compare-and-swap comes before the producer publishes or anyone releases x, so the tail
 * read again after that word has moved on too: we retry from there. Only a sole producer (the
 * parent's ends, docs/FORMAT.md) publishes x before it stores the tail, so while the tail
 * stands still the word can be x + 1 (published) or x + slots (already consumed and released),
 * never more (the parent stores the tail before it produces the next lap). So an unmoved tail
 * with any other word above x is corrupt, and with those two it is retried a bounded number of
 * times, then reported full: the caller retries later, as after any PL_RING_FULL.
 */
static int claim(const ring_view *v, int64_t k, int64_t *first) {
    int stuck = 0;
    for (;;) {
        int64_t t = __atomic_load_n(&v->ring->tail, __ATOMIC_SEQ_CST);
        if (!cursor_fits(t)) return PL_E_LAYOUT;
        int64_t x = t, s = t;
        while (x < t + k && (s = sequence(v, x)) == x) x++;
        if (x == t + k) {
            int64_t expected = t;
            if (__atomic_compare_exchange_n(&v->ring->tail, &expected, t + k, 0, __ATOMIC_SEQ_CST,
                                            __ATOMIC_RELAXED)) {
                *first = t;
                return PL_OK;
            }
            continue; /* another producer claimed first */
        }
        if (!sequence_fits(v, s, x)) return PL_E_LAYOUT;
        if (s < x) return PL_RING_FULL; /* position x - slots is not released yet */
        /* Above x: another producer claimed x since we read the tail. The load is ordered after
         * the sequence's acquire, so a tail still at t held t when that word was read. */
        if (__atomic_load_n(&v->ring->tail, __ATOMIC_SEQ_CST) != t) {
            stuck = 0;
            continue;
        }
        if (s != x + 1 && s != x + v->slots) return PL_E_LAYOUT;
        if (++stuck == STUCK_TRIES) return PL_RING_FULL;
    }
}

int pl_ring_offer(void *file, int64_t bytes, int which, const void *frame, int64_t len, int64_t pid) {
    ring_view v;
    int rc = open_view(file, bytes, which, &v);
    if (rc != PL_OK) return rc;
    if (len < 0 || len > v.max_frame || (!frame && len > 0) || pid < 1 || pid > PL_RING_MAX_PID) return PL_E_ARG;
    int64_t k = positions(&v, len);
    for (;;) {
        int64_t t;
        rc = claim(&v, k, &t);
        if (rc != PL_OK) return rc;
        /* Reclaimed meanwhile (we stalled for the parent's stuck timeout): nothing written, claim again. */
        if (!record_owner(&v, t, (uint32_t)pid)) continue;
        desc(&v, t)->length = (int32_t)len;
        int64_t at = (t & v.mask) << v.slot_bytes_shift, room = v.slots * v.slot_bytes - at;
        if (len <= room) {
            if (len > 0) memcpy(v.data + at, frame, (size_t)len);
        } else {
            memcpy(v.data + at, frame, (size_t)room);
            memcpy(v.data, (const unsigned char *)frame + room, (size_t)(len - room));
        }
        __atomic_store_n(&desc(&v, t)->sequence, t + 1, __ATOMIC_RELEASE);
        return PL_OK;
    }
}

/* Takes the published record at pos, whose positions this consumer claimed: owner (lap, producer)
 * to (lap, PL_RING_READER | pid). 0 if the parent reclaimed it first. */
static int take(const ring_view *v, int64_t pos, int64_t pid) {
    int64_t ow = __atomic_load_n(owner(v, pos), __ATOMIC_ACQUIRE);
    int32_t who = (int32_t)(uint32_t)ow;
    if ((uint64_t)ow >> 32 != (((uint64_t)pos >> v->lap_shift) & 0xFFFFFFFFu) || who <= 0 ||
        (who & PL_RING_READER) != 0)
        return 0;
    return cas_owner(v, pos, ow, owner_word(v, pos, (uint32_t)(PL_RING_READER | pid)));
}

/* Frees the k positions of the record at pos for the next lap; the first one last. The first
 * slot's owner word keeps this lap's word, which names nobody for the next lap, so the owner
 * lines stay with the producers (docs/FORMAT.md, "Owner word"). */
static void release(const ring_view *v, int64_t pos, int64_t k) {
    for (int64_t x = pos + k - 1; x > pos; x--) {
        __atomic_store_n(owner(v, x), owner_word(v, x + v->slots, 0), __ATOMIC_RELEASE);
        __atomic_store_n(&desc(v, x)->sequence, x + v->slots, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&desc(v, pos)->sequence, pos + v->slots, __ATOMIC_RELEASE);
}

int pl_ring_poll(void *file, int64_t bytes, int which, void *out, int64_t capacity, int64_t *len,
                 int64_t pid) {
    ring_view v;
    int rc = open_view(file, bytes, which, &v);
    if (rc != PL_OK) return rc;
    if (!out || !len || capacity < v.max_frame || pid < 1 || pid > PL_RING_MAX_PID) return PL_E_ARG;
    for (;;) {
        int64_t h = __atomic_load_n(&v.ring->head, __ATOMIC_SEQ_CST);
        if (!cursor_fits(h)) return PL_E_LAYOUT;
        int64_t s = sequence(&v, h);
        if (s != h + 1) {
            if (s == h) return PL_RING_EMPTY; /* free, or claimed and being written */
            if (!sequence_fits(&v, s, h)) return PL_E_LAYOUT;
            if (s < h) return PL_RING_EMPTY; /* the lap before is not released yet */
            /* Above h + 1: another consumer took it since we read the head. Every consumer, the
             * parent's end too, moves the head before it releases, so a head still at h (read
             * after the sequence's acquire) held h when the word was read: corrupt. */
            if (__atomic_load_n(&v.ring->head, __ATOMIC_SEQ_CST) == h) return PL_E_LAYOUT;
            continue;
        }
        int64_t n = __atomic_load_n(&desc(&v, h)->length, __ATOMIC_RELAXED);
        if (n > v.max_frame || n < -v.slots) return PL_E_LAYOUT;
        int64_t k = positions(&v, n), expected = h;
        if (!__atomic_compare_exchange_n(&v.ring->head, &expected, h + k, 0, __ATOMIC_SEQ_CST,
                                         __ATOMIC_RELAXED))
            continue;
        if (!take(&v, h, pid)) continue; /* reclaimed by the parent while we stalled */
        if (n < 0) {                     /* a skipped record: release it and look further */
            release(&v, h, k);
            continue;
        }
        int64_t at = (h & v.mask) << v.slot_bytes_shift, room = v.slots * v.slot_bytes - at;
        if (n <= room) {
            if (n > 0) memcpy(out, v.data + at, (size_t)n);
        } else {
            memcpy(out, v.data + at, (size_t)room);
            memcpy((unsigned char *)out + room, v.data, (size_t)(n - room));
        }
        release(&v, h, k);
        *len = n;
        return PL_OK;
    }
}
