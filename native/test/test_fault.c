/* The fault guard (native/src/guard.c): every kernel that reads or writes a mapped file that was
 * truncated under it returns PL_E_FAULT instead of dying of SIGBUS, on one thread and on a team,
 * whether the caller's part or a worker's faults; the library works normally afterwards; a
 * SIGBUS outside the kernels still reaches the handler that was there before; and
 * PARALELO_FAULT_GUARD=0 leaves SIGBUS alone. */
#define _GNU_SOURCE
#include "check.h"
#include "paralelo.h"

#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define N (1 << 19)             /* doubles in the file: 4 MiB, 128 blocks */
#define BYTES ((size_t)N * 8)

static int fd = -1;
static double *map; /* the file, mapped shared */

/* A fresh file of BYTES bytes holding 1.0, 2.0, ... mapped at `map`. */
static void make_file(void) {
    char path[] = "/tmp/paralelo-fault-XXXXXX";
    fd = mkstemp(path);
    if (fd < 0 || unlink(path) != 0 || ftruncate(fd, (off_t)BYTES) != 0) {
        perror("test file");
        exit(2);
    }
    map = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    for (int64_t i = 0; i < N; i++) map[i] = (double)(i + 1);
}

/* The file truncated to `bytes` (the pages past them are gone from the mapping), or regrown to
 * its full size and refilled. */
static void truncate_to(size_t bytes) {
    if (ftruncate(fd, (off_t)bytes) != 0) {
        perror("ftruncate");
        exit(2);
    }
}

static void restore(void) {
    truncate_to(BYTES);
    for (int64_t i = 0; i < N; i++) map[i] = (double)(i + 1);
}

/* Every kernel on the mapping, each expected to fault; threads as given. */
static void all_kernels_fault(int threads, const char *where) {
    double f, out[64];
    int64_t i, offsets[3] = {0, 4096, N - 1};
    double *heap = calloc(N, sizeof *heap);
    pl_acc acc;
    pl_acc_init(&acc);
    for (int mode = PL_ACCURATE; mode <= PL_FAST; mode++) {
        CHECK(pl_reduce(PL_F64, PL_SUM, map, N, mode, threads, &f, &i) == PL_E_FAULT, "sum, %s, mode %d", where, mode);
        CHECK(pl_reduce(PL_F32, PL_MEAN, map, 2 * N, mode, threads, &f, &i) == PL_E_FAULT, "f32 mean, %s", where);
        CHECK(pl_variance(PL_F64, map, N, 1, mode, threads, &f) == PL_E_FAULT, "variance, %s", where);
        CHECK(pl_dot(PL_F64, heap, map, N, mode, threads, &f, &i) == PL_E_FAULT, "dot, %s", where);
        CHECK(pl_partial(PL_F64, PL_SUM, map, N, 0, N, mode, threads, &acc) == PL_E_FAULT, "partial, %s", where);
    }
    CHECK(pl_reduce(PL_F64, PL_MAX, map, N, PL_ACCURATE, threads, &f, &i) == PL_E_FAULT, "max, %s", where);
    CHECK(pl_reduce(PL_I64, PL_SUM, map, N, PL_ACCURATE, threads, &f, &i) == PL_E_FAULT, "i64 sum, %s", where);
    CHECK(pl_variance(PL_I32, map, 2 * N, 0, PL_ACCURATE, threads, &f) == PL_E_FAULT, "i32 variance, %s", where);
    CHECK(pl_binary(PL_F64, PL_ADD, heap, heap, map, N, threads) == PL_E_FAULT, "binary into the file, %s", where);
    CHECK(pl_scale(PL_F64, map, 2.0, 0, heap, N, threads) == PL_E_FAULT, "scale, %s", where);
    CHECK(pl_axpy(PL_F64, 2.0, 0, heap, map, N, threads) == PL_E_FAULT, "axpy, %s", where);
    CHECK(pl_fill(PL_F64, map, 1.0, 0, N, threads) == PL_E_FAULT, "fill, %s", where);
    CHECK(pl_copy(PL_F64, map, heap, N, threads) == PL_E_FAULT, "copy, %s", where);
    CHECK(pl_slice_reduce(PL_F64, PL_SUM, map, N, 16, heap, threads) == PL_E_FAULT, "slices of 16, %s", where);
    CHECK(pl_slice_reduce(PL_F64, PL_MAX, map, N, 8192, out, threads) == PL_E_FAULT, "slices of 8192, %s", where);
    CHECK(pl_reduceat(PL_F64, PL_SUM, map, N, offsets, 3, out, threads) == PL_E_FAULT, "reduceat, %s", where);
    CHECK(pl_probe_read(map, N, threads, &f) == PL_E_FAULT, "probe, %s", where);
    free(heap);
}

static sigjmp_buf outside;
static volatile sig_atomic_t outside_faults;

/* The test's own SIGBUS handler, installed before the library's: a fault outside the kernels
 * must still come here. */
static void test_handler(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)info;
    (void)context;
    outside_faults++;
    siglongjmp(outside, 1);
}

static struct sigaction library_handler;

/* A handler installed over the library's that blocks every signal while it runs and passes the
 * fault on (as the JVM does under libjsig): the jump out of it must leave the mask as it was. */
static void chaining_handler(int sig, siginfo_t *info, void *context) {
    library_handler.sa_sigaction(sig, info, context);
}

static int same_mask(const sigset_t *a, const sigset_t *b) {
    for (int sig = 1; sig < 32; sig++)
        if (sigismember(a, sig) != sigismember(b, sig)) return 0;
    return 1;
}

static void mask_survives_a_chained_fault(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = chaining_handler;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    CHECK(sigaction(SIGBUS, &sa, &library_handler) == 0 && (library_handler.sa_flags & SA_SIGINFO), "the chaining handler");
    sigset_t before, after;
    pthread_sigmask(SIG_SETMASK, NULL, &before);
    double f;
    int64_t i;
    truncate_to(4096);
    for (int t = 1; t <= 2; t++)
        CHECK(pl_reduce(PL_F64, PL_SUM, map, N, PL_ACCURATE, t, &f, &i) == PL_E_FAULT, "a fault through a chaining handler, %d threads", t);
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    CHECK(same_mask(&before, &after), "the signal mask after a fault through a handler that blocked every signal");
    CHECK(sigaction(SIGBUS, &library_handler, NULL) == 0, "the library's handler back");
    restore();
}

/* With PARALELO_FAULT_GUARD=0, in a child that has not installed the guard: a fault ends it. */
static void guard_off_in_child(void) {
    pid_t pid = fork();
    if (pid == 0) {
        setenv("PARALELO_FAULT_GUARD", "0", 1);
        if (pl_fault_guard() != 0) _exit(3);
        int null = open("/dev/null", O_WRONLY); /* a sanitizer's report of the fault is expected */
        if (null >= 0) dup2(null, 2);
        truncate_to(4096);
        double f;
        int64_t i;
        pl_reduce(PL_F64, PL_SUM, map, N, PL_ACCURATE, 1, &f, &i);
        _exit(0); /* not reached: the SIGBUS ends the child (or a sanitizer's report does) */
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork and wait");
    CHECK(!(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3)),
          "with PARALELO_FAULT_GUARD=0 the fault ended the child (status %d)", status);
    restore();
}

int main(void) {
    make_file();
    guard_off_in_child();

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = test_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGBUS, &sa, NULL) == 0, "the test's handler");
    CHECK(pl_fault_guard() == 1, "the guard is installed");

    double f;
    int64_t i;
    CHECK(pl_reduce(PL_F64, PL_SUM, map, N, PL_ACCURATE, 1, &f, &i) == PL_OK, "an intact file sums");
    double want = (double)N * (N + 1) / 2;
    CHECK(f == want, "the sum of 1..N: %.17g, want %.17g", f, want);

    /* One thread, the whole file gone but its first page. */
    truncate_to(4096);
    all_kernels_fault(1, "one thread");
    /* Small sums fault too (the single-block path): the file truncated to nothing. */
    truncate_to(0);
    CHECK(pl_reduce(PL_F64, PL_SUM, map, 16, PL_FAST, 1, &f, &i) == PL_E_FAULT, "a sum of 16");
    CHECK(pl_reduce(PL_F32, PL_SUM, map, 3 * 4096, PL_ACCURATE, 1, &f, &i) == PL_E_FAULT, "a sum of 3 blocks");

    /* A team: every call over the minimum uses all threads it may. Truncated to the first page,
     * both parts fault; truncated to the first half, only the worker's part does. */
    pl_set_region_cost(0);
    truncate_to(4096);
    all_kernels_fault(2, "two threads");
    truncate_to(BYTES / 2);
    CHECK(pl_reduce(PL_F64, PL_SUM, map, N, PL_ACCURATE, 2, &f, &i) == PL_E_FAULT, "only the worker's part faults");
    CHECK(pl_dot(PL_F64, map, map, N, PL_FAST, 2, &f, &i) == PL_E_FAULT, "only the worker's part faults (dot)");
    CHECK(pl_reduce(PL_F64, PL_SUM, map, N / 4, PL_ACCURATE, 2, &f, &i) == PL_OK, "the first quarter is still there");
    /* Up to 16 threads (4 per core at most): past 8 the parts are allocated, and freed after
     * the fault (LeakSanitizer checks that in the sanitized build, on a machine of 3 cores or
     * more). */
    for (int r = 0; r < 20; r++)
        CHECK(pl_reduce(PL_F64, PL_SUM, map, N, PL_FAST, 16, &f, &i) == PL_E_FAULT, "16 threads, round %d", r);
    CHECK(pl_probe_read(map, N, 16, &f) == PL_E_FAULT, "the probe on 16 threads");

    /* The library works as before: the file regrown, every result right. */
    restore();
    mask_survives_a_chained_fault();
    for (int t = 1; t <= 2; t++) {
        CHECK(pl_reduce(PL_F64, PL_SUM, map, N, PL_ACCURATE, t, &f, &i) == PL_OK && f == want, "sum after faults, %d threads", t);
        CHECK(pl_reduce(PL_F64, PL_MAX, map, N, PL_ACCURATE, t, &f, &i) == PL_OK && f == (double)N, "max after faults");
    }

    /* A SIGBUS outside every kernel reaches the test's handler through the library's. */
    truncate_to(4096);
    static volatile sig_atomic_t read_through;
    if (sigsetjmp(outside, 1) == 0) {
        volatile double *page = map;
        double v = page[N - 1];
        (void)v;
        read_through = 1; /* volatile: not moved before the read */
    }
    CHECK(!read_through, "reading a truncated page did not fault");
    CHECK(outside_faults == 1, "the fault outside the kernels reached the test's handler (%d)", (int)outside_faults);
    /* And the guard still catches kernel faults after that. */
    CHECK(pl_reduce(PL_F64, PL_SUM, map, N, PL_FAST, 2, &f, &i) == PL_E_FAULT, "a kernel fault after an outside one");
    CHECK(outside_faults == 1, "the kernel's fault did not reach the test's handler");

    munmap(map, BYTES);
    close(fd);
    pl_set_region_cost(-1);
    if (failures) printf("%d failure(s)\n", failures);
    return failures != 0;
}
