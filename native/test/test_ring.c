/* The ring file's C rings: framing, wrap-around, full and empty, skipped records, bad
 * arguments and files, corrupt cursors and sequence words (refused, never spun on), and 2
 * producer and 2 consumer threads on one ring. */
#include "check.h"
#include "paralelo.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { SLOT_BYTES = 16, SLOTS = 32, MAX_FRAME = 256 };

/* Offsets in a ring of this file's geometry (pl_ring_offsets): 0 descriptor, 1 owner word, 2
 * data of position pos, 3 the ring's length. */
static int64_t offset_of(int64_t pos, int which) {
    int64_t o[4];
    CHECK(pl_ring_offsets(SLOTS, SLOT_BYTES, pos, o, 4) == PL_OK, "offsets of %lld", (long long)pos);
    return o[which];
}

static int64_t ring_length(void) { return offset_of(0, 3); }

static int64_t *owner_of(pl_ring *ring, int64_t pos) {
    return (int64_t *)(void *)((unsigned char *)ring + offset_of(pos, 1));
}

static int64_t file_bytes(void) { return (int64_t)sizeof(pl_ring_file) + 2 * ring_length(); }

/* A ring file's data as Java's RingFile.create lays it out. */
static void *make_file(void) {
    int64_t bytes = file_bytes();
    unsigned char *p = aligned_alloc(128, (size_t)bytes);
    memset(p, 0, (size_t)bytes);
    pl_ring_file *f = (pl_ring_file *)(void *)p;
    f->version = PL_RING_VERSION;
    f->header_length = (int32_t)sizeof(pl_ring_file);
    f->slot_bytes = SLOT_BYTES;
    f->slots = SLOTS;
    f->max_frame = MAX_FRAME;
    f->slot_length = (int32_t)sizeof(pl_ring_slot);
    f->ring_length = ring_length();
    f->parent_pid = 1;
    for (int r = 0; r < 2; r++) {
        pl_ring *ring = (pl_ring *)(void *)(p + sizeof(pl_ring_file) + r * ring_length());
        for (int64_t i = 0; i < SLOTS; i++) ring->slots[i].sequence = i;
    }
    __atomic_store_n(&f->magic, PL_RING_MAGIC, __ATOMIC_RELEASE);
    return p;
}

static void fill(unsigned char *b, int64_t n, int64_t seed) {
    for (int64_t i = 0; i < n; i++) b[i] = (unsigned char)(seed * 31 + i * 7);
}

static void test_layout(void) {
    int64_t o[19];
    CHECK(pl_ring_layout(o, 19) == PL_OK, "layout");
    CHECK(o[11] == 512 && o[15] == 256 && o[18] == 32, "sizes %lld %lld %lld", (long long)o[11],
          (long long)o[15], (long long)o[18]);
    CHECK(o[9] == 128 && o[10] == 256 && o[13] == 128, "each mutable word on its own 128 bytes");
    CHECK(pl_ring_layout(o, 18) == PL_E_ARG && pl_ring_layout(NULL, 19) == PL_E_ARG, "bad layout args");

    /* Owner words: after the descriptors, a permutation of the slots, 8 consecutive positions
     * on 8 different 64-byte lines; data after the owners, one slot after another. */
    enum { N = 1024, B = 64 };
    static unsigned char seen[N];
    memset(seen, 0, sizeof seen);
    int64_t q[4], owners = 256 + N * 32, data = owners + N * 8;
    for (int64_t p = 0; p < 2 * N; p++) {
        CHECK(pl_ring_offsets(N, B, p, q, 4) == PL_OK, "offsets %lld", (long long)p);
        int64_t w = (q[1] - owners) / 8;
        CHECK(q[0] == 256 + (p % N) * 32 && q[2] == data + (p % N) * B && q[3] == data + N * B, "offsets of %lld",
              (long long)p);
        CHECK(q[1] >= owners && q[1] < data && q[1] % 8 == 0, "owner of %lld inside the owners", (long long)p);
        if (p < N) {
            CHECK(!seen[w], "owner word %lld taken twice", (long long)w);
            seen[w] = 1;
        }
    }
    for (int64_t p = 0; p + 8 <= N; p++) {
        int64_t lines[8];
        for (int k = 0; k < 8; k++) {
            CHECK(pl_ring_offsets(N, B, p + k, q, 4) == PL_OK, "offsets");
            lines[k] = q[1] / 64;
            for (int j = 0; j < k; j++) CHECK(lines[j] != lines[k], "positions %lld and %lld share an owner line",
                                                (long long)(p + j), (long long)(p + k));
        }
    }
    CHECK(pl_ring_offsets(24, B, 0, q, 4) == PL_E_ARG && pl_ring_offsets(8, B, 0, q, 4) == PL_E_ARG &&
              pl_ring_offsets(N, 4, 0, q, 4) == PL_E_ARG && pl_ring_offsets(N, B, -1, q, 4) == PL_E_ARG &&
              pl_ring_offsets(N, B, 0, q, 3) == PL_E_ARG && pl_ring_offsets(N, B, 0, NULL, 4) == PL_E_ARG,
          "bad offsets args");
}

static void test_round_trips_and_wraps(void) {
    void *f = make_file();
    int64_t bytes = file_bytes();
    unsigned char in[MAX_FRAME], out[MAX_FRAME];
    int64_t queued[64], head = 0, tail = 0, len;
    uint64_t r = 12345;
    int sent = 0;
    for (int64_t i = 0; i < 20000; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t n = (int64_t)(r >> 33) % 97; /* 0 to 96 bytes: 1 to 6 slots */
        fill(in, n, i);
        int rc = pl_ring_offer(f, bytes, PL_RING_TASKS, in, n, 42);
        if (rc == PL_OK) {
            queued[tail++ % 64] = i << 8 | n;
            sent++;
        } else {
            CHECK(rc == PL_RING_FULL, "offer %lld: %d", (long long)i, rc);
        }
        if ((r >> 20) % 3 != 0) {
            rc = pl_ring_poll(f, bytes, PL_RING_TASKS, out, sizeof out, &len, 43);
            if (head == tail) {
                CHECK(rc == PL_RING_EMPTY, "poll of an empty ring: %d", rc);
            } else {
                int64_t q = queued[head++ % 64];
                fill(in, q & 255, q >> 8);
                CHECK(rc == PL_OK && len == (q & 255) && memcmp(in, out, (size_t)len) == 0, "frame %lld",
                      (long long)(q >> 8));
            }
        }
    }
    CHECK(sent > 5000, "only %d frames went through", sent);
    CHECK(pl_ring_poll(f, bytes, PL_RING_RESULTS, out, sizeof out, &len, 43) == PL_RING_EMPTY, "the other ring");
    free(f);
}

static void test_full_skipped_and_bad(void) {
    void *f = make_file();
    int64_t bytes = file_bytes(), len;
    unsigned char in[MAX_FRAME] = {0}, out[MAX_FRAME];
    for (int i = 0; i < SLOTS; i++) CHECK(pl_ring_offer(f, bytes, 1, in, SLOT_BYTES, 42) == PL_OK, "slot %d", i);
    CHECK(pl_ring_offer(f, bytes, 1, in, 0, 42) == PL_RING_FULL, "full");
    for (int i = 0; i < SLOTS; i++) CHECK(pl_ring_poll(f, bytes, 1, out, sizeof out, &len, 43) == PL_OK, "take %d", i);

    /* A skipped record of 3 positions (as Java's sweeper publishes it), then a frame. */
    pl_ring *ring = (pl_ring *)(void *)((unsigned char *)f + sizeof(pl_ring_file));
    int64_t t = ring->tail;
    ring->tail = t + 3;
    ring->slots[t & (SLOTS - 1)].length = -3;
    *owner_of(ring, t) = (int64_t)((uint64_t)(t / SLOTS) << 32 | 7);
    __atomic_store_n(&ring->slots[t & (SLOTS - 1)].sequence, t + 1, __ATOMIC_RELEASE);
    fill(in, 5, 9);
    CHECK(pl_ring_offer(f, bytes, 0, in, 5, 42) == PL_OK, "after the skipped record");
    CHECK(pl_ring_poll(f, bytes, 0, out, sizeof out, &len, 43) == PL_OK && len == 5 && memcmp(in, out, 5) == 0,
          "the skipped record is passed over");
    CHECK(pl_ring_poll(f, bytes, 0, out, sizeof out, &len, 43) == PL_RING_EMPTY, "then empty");
    for (int i = 0; i < 3 * SLOTS; i++) {
        CHECK(pl_ring_offer(f, bytes, 0, in, 5, 42) == PL_OK && pl_ring_poll(f, bytes, 0, out, sizeof out, &len, 43) == PL_OK,
              "lap after the skip, %d", i);
    }

    CHECK(pl_ring_offer(f, bytes, 0, in, MAX_FRAME + 1, 42) == PL_E_ARG, "too long");
    CHECK(pl_ring_offer(f, bytes, 0, in, -1, 42) == PL_E_ARG, "negative length");
    CHECK(pl_ring_offer(f, bytes, 2, in, 1, 42) == PL_E_ARG, "no such ring");
    CHECK(pl_ring_offer(f, bytes, 0, in, 1, 0) == PL_E_ARG, "pid 0");
    CHECK(pl_ring_offer(f, bytes, 0, in, 1, PL_RING_MAX_PID + 1) == PL_E_ARG, "pid too large");
    CHECK(pl_ring_poll(f, bytes, 0, out, MAX_FRAME - 1, &len, 43) == PL_E_ARG, "buffer too small");
    CHECK(pl_ring_poll(f, bytes, 0, out, sizeof out, NULL, 43) == PL_E_ARG, "no length");
    CHECK(pl_ring_check(NULL, bytes) == PL_E_ARG, "null file");
    CHECK(pl_ring_check(f, bytes - 1) == PL_E_LAYOUT, "rings past the end");
    CHECK(pl_ring_check((unsigned char *)f + 8, bytes - 8) == PL_E_LAYOUT, "unaligned");

    /* A corrupt length is an error, not a read out of bounds. */
    CHECK(pl_ring_offer(f, bytes, 0, in, 5, 42) == PL_OK, "one more");
    t = ring->head;
    ring->slots[t & (SLOTS - 1)].length = 1 << 30;
    CHECK(pl_ring_poll(f, bytes, 0, out, sizeof out, &len, 43) == PL_E_LAYOUT, "corrupt length");

    pl_ring_file *h = f;
    h->slots = 48;
    CHECK(pl_ring_check(f, bytes) == PL_E_LAYOUT, "slots not a power of two");
    h->slots = SLOTS;
    h->version = PL_RING_VERSION - 1; /* a file of the version before: owners in the descriptors */
    CHECK(pl_ring_offer(f, bytes, 0, in, 1, 42) == PL_E_LAYOUT, "another version");
    h->version = PL_RING_VERSION;
    h->magic = 0;
    CHECK(pl_ring_poll(f, bytes, 0, out, sizeof out, &len, 43) == PL_E_LAYOUT, "no magic");
    free(f);
}

static pl_ring *ring_of(void *f, int which) {
    return (pl_ring *)(void *)((unsigned char *)f + sizeof(pl_ring_file) + which * ring_length());
}

/* A call that spins on a corrupt ring fails the test instead of hanging it. */
static const char *watched;

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "FAIL test_ring: a call on a corrupt ring did not return: ";
    (void)!write(1, msg, sizeof msg - 1);
    (void)!write(1, watched, strlen(watched));
    (void)!write(1, "\n", 1);
    _exit(1);
}

static void watch(const char *what) {
    watched = what;
    alarm(what ? 5 : 0);
}

/* Offer and poll on a ring whose slot 0 (at tail and head 0) holds sequence s: the codes. */
static void corrupt_slot_zero(int64_t s, int *offer, int *poll) {
    void *f = make_file();
    int64_t bytes = file_bytes(), len;
    unsigned char in[8] = {0}, out[MAX_FRAME];
    for (int which = 0; which < 2; which++) ring_of(f, which)->slots[0].sequence = s;
    *offer = pl_ring_offer(f, bytes, PL_RING_TASKS, in, sizeof in, 42);
    *poll = pl_ring_poll(f, bytes, PL_RING_RESULTS, out, sizeof out, &len, 43);
    free(f);
}

/* Each word at position 0's slot: offer and poll both return PL_E_LAYOUT, promptly. */
static void both_refuse(const int64_t *words, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) {
        int offer, poll;
        watch(what);
        corrupt_slot_zero(words[i], &offer, &poll);
        watch(NULL);
        CHECK(offer == PL_E_LAYOUT, "offer at sequence %lld: %d", (long long)words[i], offer);
        CHECK(poll == PL_E_LAYOUT, "poll at sequence %lld: %d", (long long)words[i], poll);
    }
}

/* Owner words: a producer records itself over the lap before's word or (lap, 0), and takes any
 * other word (this lap's naming someone, a later lap's) for a claim the parent took over: it
 * writes nothing there and claims again. */
static void test_owner_words(void) {
    int64_t bytes = file_bytes(), len;
    unsigned char in[MAX_FRAME], out[MAX_FRAME];
    fill(in, 5, 3);
    const int64_t before = (int64_t)(UINT64_C(0xFFFFFFFF) << 32 | PL_RING_READER | 9); /* lap -1 */
    const int64_t taken = PL_RING_RECLAIMED; /* lap 0, the parent's */
    const int64_t later = (int64_t)(UINT64_C(1) << 32);                                 /* lap 1, nobody */
    const int64_t words[3] = {before, taken, later};
    for (int i = 0; i < 3; i++) {
        void *f = make_file();
        pl_ring *r = ring_of(f, 0);
        *owner_of(r, 0) = words[i];
        CHECK(pl_ring_offer(f, bytes, 0, in, 5, 42) == PL_OK, "offer over word %d", i);
        int64_t at = i == 0 ? 0 : 1; /* where the frame went */
        CHECK(r->tail == at + 1, "word %d: tail %lld", i, (long long)r->tail);
        CHECK(__atomic_load_n(&r->slots[at].sequence, __ATOMIC_ACQUIRE) == at + 1, "word %d: published at %lld", i,
              (long long)at);
        CHECK(*owner_of(r, at) == 42, "word %d: recorded (lap 0, 42) at %lld", i, (long long)at);
        if (i > 0) CHECK(r->slots[0].sequence == 0 && *owner_of(r, 0) == words[i], "word %d: position 0 untouched", i);
        if (i == 0) {
            CHECK(pl_ring_poll(f, bytes, 0, out, sizeof out, &len, 43) == PL_OK && len == 5 && memcmp(in, out, 5) == 0,
                  "the frame over the lap before's word");
            CHECK(*owner_of(r, 0) == (int64_t)((uint64_t)PL_RING_READER | 43), "the release keeps the reader's word");
        }
        free(f);
    }
}

static void test_corrupt_sequences_are_refused(void) {
    /* The tester's rings: words no step of the protocol leaves at position 0 (nor at 0 - slots,
     * nor a later lap). Both calls used to spin for ever. */
    static const int64_t corrupt[] = {5, 7, -1, 2, SLOTS - 1, SLOTS + 2, 2 * SLOTS - 1, -SLOTS - 1, -2 * SLOTS,
                                      INT64_MAX, INT64_MIN, (INT64_C(1) << 62) + 3};
    both_refuse(corrupt, sizeof corrupt / sizeof corrupt[0], "a corrupt sequence word");
    /* Words a live ring leaves while the other cursor moves on: a later lap's, under a cursor
     * that stands still, is corrupt for a consumer (every consumer moves the head before it
     * releases) and, past the only values a sole producer leaves before it stores the tail
     * (x + 1, x + slots), for a producer too. */
    static const int64_t later[] = {SLOTS + 1, 2 * SLOTS, 2 * SLOTS + 1, 5 * SLOTS};
    both_refuse(later, sizeof later / sizeof later[0], "a later lap's sequence word");
    /* x + slots under a still tail: a sole producer's record consumed before it stored the tail.
     * The offer gives up after a few tries (full: try later); for the poll it is corrupt. */
    int offer, poll;
    watch("a released word under a still tail");
    corrupt_slot_zero(SLOTS, &offer, &poll);
    watch(NULL);
    CHECK(offer == PL_RING_FULL, "offer at sequence slots: %d", offer);
    CHECK(poll == PL_E_LAYOUT, "poll at sequence slots: %d", poll);
    /* The lap before, not released yet: full and empty, as on a live ring. */
    for (int64_t s = -SLOTS; s <= -SLOTS + 1; s++) {
        watch("the lap before");
        corrupt_slot_zero(s, &offer, &poll);
        watch(NULL);
        CHECK(offer == PL_RING_FULL && poll == PL_RING_EMPTY, "sequence %lld: offer %d, poll %d", (long long)s,
              offer, poll);
    }
    /* A word published under a still tail (a sole producer's, before it stores the tail): full for
     * now. The consumer takes the record; with no producer in its owner word it counts as
     * reclaimed and is passed over. */
    watch("a published word under a still tail");
    corrupt_slot_zero(1, &offer, &poll);
    watch(NULL);
    CHECK(offer == PL_RING_FULL && poll == PL_RING_EMPTY, "sequence 1: offer %d, poll %d", offer, poll);

    /* A corrupt word in the middle of a record's positions, too. */
    void *f = make_file();
    int64_t bytes = file_bytes();
    unsigned char in[MAX_FRAME] = {0};
    ring_of(f, 0)->slots[3].sequence = 9;
    watch("a corrupt word inside a record");
    int rc = pl_ring_offer(f, bytes, 0, in, 4 * SLOT_BYTES, 42);
    watch(NULL);
    CHECK(rc == PL_E_LAYOUT, "offer over slots 0 to 3: %d", rc);
    CHECK(pl_ring_offer(f, bytes, 0, in, 3 * SLOT_BYTES, 42) == PL_OK, "the positions before it are fine");
    free(f);
}

static void test_corrupt_cursors_are_refused(void) {
    static const int64_t cursors[] = {INT64_MAX, INT64_MAX - 1, (INT64_C(1) << 62) + 1, -1, INT64_MIN};
    unsigned char in[8] = {0}, out[MAX_FRAME];
    int64_t bytes = file_bytes(), len;
    for (size_t i = 0; i < sizeof cursors / sizeof cursors[0]; i++) {
        void *f = make_file();
        int64_t c = cursors[i];
        /* The slots as a live ring would hold them there (free on ring 0, a record published at
         * the head on ring 1), so only the cursor is wrong. */
        for (int which = 0; which < 2; which++) {
            pl_ring *r = ring_of(f, which);
            r->tail = r->head = c;
            for (uint64_t k = 0; k < SLOTS; k++)
                r->slots[((uint64_t)c + k) & (SLOTS - 1)].sequence = (int64_t)((uint64_t)c + k + (k == 0 && which));
        }
        watch("a corrupt cursor");
        int offer = pl_ring_offer(f, bytes, 0, in, sizeof in, 42);
        int poll = pl_ring_poll(f, bytes, 1, out, sizeof out, &len, 43);
        watch(NULL);
        CHECK(offer == PL_E_LAYOUT && poll == PL_E_LAYOUT, "cursor %llx: offer %d, poll %d", (unsigned long long)c,
              offer, poll);
        free(f);
    }
}

/* The last positions a cursor may hold: frames still go round, no sum leaves int64 (UBSan). */
static void test_positions_near_the_limit(void) {
    void *f = make_file();
    int64_t bytes = file_bytes(), len, start = (INT64_C(1) << 62) - 3 * SLOTS;
    pl_ring *r = ring_of(f, 0);
    r->tail = r->head = start;
    for (int64_t k = 0; k < SLOTS; k++) {
        pl_ring_slot *d = &r->slots[(start + k) & (SLOTS - 1)];
        d->sequence = start + k;
        *owner_of(r, start + k) = (int64_t)((uint64_t)((start + k) / SLOTS) << 32); /* (lap, nobody) */
    }
    unsigned char in[MAX_FRAME], out[MAX_FRAME];
    int64_t moved = 0;
    for (int64_t i = 0; i < 4 * SLOTS; i++) {
        int64_t n = 1 + i % (3 * SLOT_BYTES);
        fill(in, n, i);
        int offer = pl_ring_offer(f, bytes, 0, in, n, 42);
        int poll = pl_ring_poll(f, bytes, 0, out, sizeof out, &len, 43);
        if (offer == PL_E_LAYOUT) break; /* the tail passed 2^62 */
        CHECK(offer == PL_OK && poll == PL_OK && len == n && memcmp(in, out, (size_t)n) == 0,
              "frame %lld at %llx: offer %d, poll %d", (long long)i, (unsigned long long)r->tail, offer, poll);
        moved++;
    }
    CHECK(moved > 2 * SLOTS / 3 && r->tail > (INT64_C(1) << 62), "went to 2^62: %lld frames, tail %llx",
          (long long)moved, (unsigned long long)r->tail);
    free(f);
}

enum { THREADS = 2, PER_PRODUCER = 100000 };
static void *shared_file;
static int64_t received[THREADS];
static unsigned char seen[THREADS][PER_PRODUCER];
static int64_t total_received;
static time_t deadline; /* a broken ring fails the test instead of hanging it */

static int late(void) { return time(NULL) > deadline; }

static void *produce(void *arg) {
    int64_t id = (int64_t)(intptr_t)arg;
    unsigned char b[64];
    for (int64_t n = 0; n < PER_PRODUCER; n++) {
        int64_t len = 8 + (n * 7 + id) % 40;
        int64_t key = id << 32 | n;
        memcpy(b, &key, 8);
        fill(b + 8, len - 8, key);
        while (pl_ring_offer(shared_file, file_bytes(), 0, b, len, 100 + id) == PL_RING_FULL) {
            if (late()) return NULL;
            sched_yield();
        }
    }
    return NULL;
}

static void *consume(void *arg) {
    int64_t id = (int64_t)(intptr_t)arg, len, key;
    unsigned char b[MAX_FRAME], want[64];
    while (__atomic_load_n(&total_received, __ATOMIC_RELAXED) < THREADS * PER_PRODUCER && !late()) {
        if (pl_ring_poll(shared_file, file_bytes(), 0, b, sizeof b, &len, 200 + id) != PL_OK) {
            sched_yield();
            continue;
        }
        memcpy(&key, b, 8);
        int64_t p = key >> 32, n = key & 0xFFFFFFFF;
        if (p < 0 || p >= THREADS || n < 0 || n >= PER_PRODUCER || len != 8 + (n * 7 + p) % 40) {
            CHECK(0, "bad frame key %llx length %lld", (unsigned long long)key, (long long)len);
            continue;
        }
        fill(want, len - 8, key);
        CHECK(memcmp(want, b + 8, (size_t)len - 8) == 0, "torn frame %lld/%lld", (long long)p, (long long)n);
        CHECK(__atomic_exchange_n(&seen[p][n], 1, __ATOMIC_RELAXED) == 0, "frame %lld/%lld twice", (long long)p,
              (long long)n);
        received[id]++;
        __atomic_add_fetch(&total_received, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void test_threads(void) {
    shared_file = make_file();
    deadline = time(NULL) + 30;
    pthread_t t[2 * THREADS];
    for (int i = 0; i < THREADS; i++) {
        pthread_create(&t[i], NULL, produce, (void *)(intptr_t)i);
        pthread_create(&t[THREADS + i], NULL, consume, (void *)(intptr_t)i);
    }
    for (int i = 0; i < 2 * THREADS; i++) pthread_join(t[i], NULL);
    int64_t missing = 0;
    for (int p = 0; p < THREADS; p++)
        for (int n = 0; n < PER_PRODUCER; n++) missing += !seen[p][n];
    CHECK(missing == 0, "%lld frames missing", (long long)missing);
    CHECK(received[0] + received[1] == THREADS * PER_PRODUCER, "received %lld", (long long)(received[0] + received[1]));
    free(shared_file);
}

int main(void) {
    signal(SIGALRM, on_alarm);
    test_layout();
    test_round_trips_and_wraps();
    test_full_skipped_and_bad();
    test_owner_words();
    test_corrupt_sequences_are_refused();
    test_corrupt_cursors_are_refused();
    test_positions_near_the_limit();
    test_threads();
    if (failures) printf("%d failures\n", failures);
    return failures != 0;
}
