/* The kernels' teams (native/src/team.c): the same bits on any team size, from callers running
 * at once (a team each), after the workers have slept, with more threads than cores, and in a
 * child forked from a process whose teams were running. */
#include "check.h"
#include "paralelo.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZES 6
static const int64_t sizes[SIZES] = {16385, 3 * 4096 + 7, 100003, 1 << 17, (1 << 17) + 5, 1 << 20};
static double *x, *y;
static double want_sum[2][SIZES], want_dot[2][SIZES], want_var[2][SIZES], want_max[SIZES];

/* Compares every kernel at size index k, mode m, on `threads` threads; returns failures. */
static int check_one(int k, int m, int threads) {
    double f;
    int64_t i;
    int bad = 0;
    int64_t n = sizes[k];
    bad += pl_reduce(PL_F64, PL_SUM, x, n, m, threads, &f, &i) != PL_OK || !same_bits(f, want_sum[m][k]);
    bad += pl_dot(PL_F64, x, y, n, m, threads, &f, &i) != PL_OK || !same_bits(f, want_dot[m][k]);
    bad += pl_variance(PL_F64, x, n, 1, m, threads, &f) != PL_OK || !same_bits(f, want_var[m][k]);
    bad += pl_reduce(PL_F64, PL_MAX, x, n, m, threads, &f, &i) != PL_OK || !same_bits(f, want_max[k]);
    return bad;
}

static void *racer(void *arg) {
    uint64_t seed = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ULL + 1;
    intptr_t bad = 0;
    for (int r = 0; r < 150; r++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        bad += check_one((int)(seed % (SIZES - 1)), (int)(seed >> 32) & 1, 2 + (int)((seed >> 40) % 3));
    }
    return (void *)bad;
}

int main(void) {
    int64_t big = 1 << 20;
    x = malloc(sizeof *x * (size_t)big);
    y = malloc(sizeof *y * (size_t)big);
    if (!x || !y) return 2;
    for (int64_t k = 0; k < big; k++) {
        x[k] = (uniform() - 0.5) * 1e6;
        y[k] = uniform() * 3 - 1;
    }
    x[777777] = 1e300; /* blocks that overflow a plain sum: the exact paths */
    for (int k = 0; k < SIZES; k++) {
        int64_t i;
        for (int m = 0; m < 2; m++) {
            pl_reduce(PL_F64, PL_SUM, x, sizes[k], m, 1, &want_sum[m][k], &i);
            pl_dot(PL_F64, x, y, sizes[k], m, 1, &want_dot[m][k], &i);
            pl_variance(PL_F64, x, sizes[k], 1, m, 1, &want_var[m][k]);
        }
        pl_reduce(PL_F64, PL_MAX, x, sizes[k], 0, 1, &want_max[k], &i);
    }
    pl_set_region_cost(0); /* every call over PL_PARALLEL_MIN takes the team */

    for (int threads = 2; threads <= 8; threads++)
        for (int k = 0; k < SIZES; k++)
            for (int m = 0; m < 2; m++)
                CHECK(check_one(k, m, threads) == 0, "%d threads, n = %lld, mode %d: bits differ from 1 thread", threads,
                      (long long)sizes[k], m);

    /* Callers at once: each holds a team of its own; every result keeps its bits. */
    pthread_t th[6];
    for (intptr_t r = 0; r < 6; r++) CHECK(pthread_create(&th[r], NULL, racer, (void *)(r + 1)) == 0, "thread %d", (int)r);
    for (int r = 0; r < 6; r++) {
        void *bad = NULL;
        pthread_join(th[r], &bad);
        CHECK(bad == NULL, "racing caller %d: %d results with other bits", r, (int)(intptr_t)bad);
    }

    /* Workers asleep (past their spin): the next call wakes them, and gets the same bits. */
    for (int r = 0; r < 3; r++) {
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        CHECK(check_one(3, r & 1, 2) == 0, "after the team slept (%d): bits differ", r);
    }

    /* A child forked while the team's workers exist has none of them: it starts its own. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20); /* a child waiting for a worker that was never forked would hang: fail instead */
        int bad = 0;
        for (int k = 0; k < SIZES; k++) bad += check_one(k, k & 1, 4);
        _exit(bad ? 3 : 0);
    }
    CHECK(pid > 0, "fork");
    if (pid > 0) {
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "forked child: %s %d",
              WIFSIGNALED(status) ? "killed by signal" : "exit status",
              WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
    CHECK(check_one(5, 1, 2) == 0, "the parent's team after the fork: bits differ");

    free(x);
    free(y);
    printf("test_team: %d failures\n", failures);
    return failures ? 1 : 0;
}
