/* The shared barrier (shm.c) under another process's writes: a wait on a barrier that is
 * re-initialised, zeroed or overwritten meanwhile fails with PL_E_LAYOUT, never passes (a second
 * thread plays the other process: the barrier's memory is all they share). */
#include "check.h"
#include "paralelo.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Alignas(64) unsigned char mem[sizeof(pl_barrier)];

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

typedef struct waiter {
    pthread_t thread;
    int rc;
} waiter;

static void *wait_once(void *arg) {
    waiter *w = arg;
    w->rc = pl_barrier_wait(mem, 10LL * 1000000000LL);
    return NULL;
}

/* A lone waiter on a 2-party barrier at generation gen0; once it has arrived, `spoil` writes
 * the barrier's words; the wait's result. */
static int wait_while(int64_t gen0, void (*spoil)(void)) {
    CHECK(pl_barrier_init(mem, 2) == PL_OK, "init");
    pl_barrier *b = (pl_barrier *)mem;
    __atomic_store_n(&b->generation, gen0, __ATOMIC_RELEASE);
    waiter w = {0};
    pthread_create(&w.thread, NULL, wait_once, &w);
    /* Until `arrived` shows it, not a fixed pause: on a loaded machine (or under ASan) the thread
     * may start after the spoiling and wait alone on the new barrier (the watchdog still bounds
     * this). The waiter reads the generation before it counts itself. */
    while (__atomic_load_n(&b->arrived, __ATOMIC_ACQUIRE) != 1) pause_ms(1);
    spoil();
    pthread_join(w.thread, NULL);
    return w.rc;
}

static void reinit(void) { pl_barrier_init(mem, 2); }
static void zero(void) { memset(mem, 0, sizeof mem); }
static void more_parties(void) {
    pl_barrier *b = (pl_barrier *)mem;
    __atomic_store_n(&b->parties, 3, __ATOMIC_RELEASE);
    __atomic_store_n(&b->generation, __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) + 1, __ATOMIC_RELEASE);
}
static void complete(void) { pl_barrier_wait(mem, 1000000000LL); } /* the second party: a real pass */

static void on_alarm(int sig) {
    (void)sig;
    static const char m[] = "FAIL test_barrier: a wait hung (5 s watchdog)\n";
    (void)!write(2, m, sizeof m - 1);
    _exit(1);
}

int main(void) {
    signal(SIGALRM, on_alarm);
    alarm(5);
    /* Re-initialised at generation 3 (the generation goes back to 0): refused, not passed. */
    int rc = wait_while(3, reinit);
    CHECK(rc == PL_E_LAYOUT, "re-initialised under a waiter: %d", rc);
    /* Zeroed at generation 3, and at generation 0 (the generation stays; the magic goes). */
    rc = wait_while(3, zero);
    CHECK(rc == PL_E_LAYOUT, "zeroed at generation 3: %d", rc);
    rc = wait_while(0, zero);
    CHECK(rc == PL_E_LAYOUT, "zeroed at generation 0: %d", rc);
    /* Its party count changed along with a new generation. */
    rc = wait_while(3, more_parties);
    CHECK(rc == PL_E_LAYOUT, "party count changed: %d", rc);
    /* The second party arrives: a real pass, still. */
    rc = wait_while(3, complete);
    CHECK(rc == PL_OK, "a completed generation: %d", rc);
    /* A generation word below 0 (not broken) at the start: refused. */
    CHECK(pl_barrier_init(mem, 1) == PL_OK, "init");
    __atomic_store_n(&((pl_barrier *)mem)->generation, -5, __ATOMIC_RELEASE);
    CHECK(pl_barrier_wait(mem, 0) == PL_E_LAYOUT, "a negative generation");
    /* A count of arrivals written over (2 of 2 already, or negative): it can never reach the
     * party count, and the wait is refused, not endless. */
    int64_t counts[] = {2, -3};
    for (int c = 0; c < 2; c++) {
        CHECK(pl_barrier_init(mem, 2) == PL_OK, "init");
        __atomic_store_n(&((pl_barrier *)mem)->arrived, counts[c], __ATOMIC_RELEASE);
        rc = pl_barrier_wait(mem, INT64_MAX);
        CHECK(rc == PL_E_LAYOUT, "arrived %lld of 2 before a wait: %d", (long long)counts[c], rc);
    }
    printf("test_barrier: %d failures\n", failures);
    return failures ? 1 : 0;
}
