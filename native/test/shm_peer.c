/*
 * A C process that maps a Paralelo shared array (.npy) and works on the live memory, for the
 * Java cross-process tests:
 *   paralelo_shm_peer sum FILE                 prints count and sum of the f8 data
 *   paralelo_shm_peer write FILE VALUE         stores VALUE into every f8 element
 *   paralelo_shm_peer barrier FILE SLOT ROUNDS the barrier round trip (see SharedBarrierTest)
 *   paralelo_shm_peer wait FILE TIMEOUT_NS     one pl_barrier_wait on the barrier at the data
 *                                              start; prints "ready", then its status code
 *   paralelo_shm_peer ring-echo FILE COUNT     a pool worker on a ring file: answers COUNT tasks
 *                                              (id, then FNV-1a of the task) and prints "answered N"
 */
#include "paralelo.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

static char *map_file(const char *path, size_t *size, size_t *offset) {
    int fd = open(path, O_RDWR);
    if (fd < 0) {
        perror(path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 12) {
        close(fd);
        return NULL;
    }
    char *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED || memcmp(p, "\x93NUMPY", 6) != 0) return NULL;
    size_t hl = p[6] == 1 ? (size_t)(unsigned char)p[8] | (size_t)(unsigned char)p[9] << 8
                          : (size_t)(unsigned char)p[8] | (size_t)(unsigned char)p[9] << 8 |
                                (size_t)(unsigned char)p[10] << 16;
    *offset = (p[6] == 1 ? 10 : 12) + hl;
    *size = (size_t)st.st_size;
    return p;
}

/* The ring worker: tasks in, answers out, as Java's RingPeer "echo" answers them. */
static int ring_echo(char *file, int64_t bytes, int64_t count) {
    if (pl_ring_check(file, bytes) != PL_OK) {
        fprintf(stderr, "not a ring file\n");
        return 2;
    }
    const pl_ring_file *header = (const pl_ring_file *)(void *)file;
    unsigned char *task = malloc((size_t)header->max_frame);
    int64_t pid = (int64_t)getpid(), answered = 0, len;
    if (!task) return 2;
    printf("connected\n");
    fflush(stdout);
    while (answered < count && !__atomic_load_n(&header->closed, __ATOMIC_ACQUIRE)) {
        int rc = pl_ring_poll(file, bytes, PL_RING_TASKS, task, header->max_frame, &len, pid);
        if (rc == PL_RING_EMPTY) {
            sched_yield();
            continue;
        }
        if (rc != PL_OK || len < 8) return 3;
        uint64_t h = 1469598103934665603ULL;
        for (int64_t i = 0; i < len; i++) h = (h ^ (uint64_t)(int64_t)(signed char)task[i]) * 1099511628211ULL;
        unsigned char answer[16];
        memcpy(answer, task, 8);
        memcpy(answer + 8, &h, 8);
        while ((rc = pl_ring_offer(file, bytes, PL_RING_RESULTS, answer, 16, pid)) == PL_RING_FULL) sched_yield();
        if (rc != PL_OK) return 4;
        answered++;
    }
    free(task);
    printf("answered %lld\n", (long long)answered);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s sum|write|barrier FILE ...\n", argv[0]);
        return 2;
    }
    size_t size, off;
    char *p = map_file(argv[2], &size, &off);
    if (!p) {
        fprintf(stderr, "cannot map %s as .npy\n", argv[2]);
        return 2;
    }
    double *x = (double *)(void *)(p + off);
    size_t n = (size - off) / sizeof(double);
    if (strcmp(argv[1], "sum") == 0) {
        double s;
        int64_t unused;
        if (pl_reduce(PL_F64, PL_SUM, x, (int64_t)n, PL_ACCURATE, 1, &s, &unused) != PL_OK) return 1;
        printf("%zu %.17g\n", n, s);
    } else if (strcmp(argv[1], "write") == 0 && argc == 4) {
        double v = strtod(argv[3], NULL);
        for (size_t i = 0; i < n; i++) x[i] = v;
        msync(p, size, MS_SYNC);
    } else if (strcmp(argv[1], "barrier") == 0 && argc == 5) {
        /* Layout: a pl_barrier at the data start, then one int64 slot per party. */
        int64_t *slots = (int64_t *)(void *)(p + off + sizeof(pl_barrier));
        int64_t slot = atoll(argv[3]), rounds = atoll(argv[4]);
        int64_t parties = ((pl_barrier *)(void *)(p + off))->parties;
        for (int64_t r = 1; r <= rounds; r++) {
            __atomic_store_n(&slots[slot], r, __ATOMIC_RELAXED);
            if (pl_barrier_wait(p + off, 20000000000LL) != PL_OK) return 3;
            for (int64_t s = 0; s < parties; s++)
                if (__atomic_load_n(&slots[s], __ATOMIC_RELAXED) != r) {
                    fprintf(stderr, "round %lld: slot %lld is %lld\n", (long long)r, (long long)s,
                            (long long)slots[s]);
                    return 4;
                }
            if (pl_barrier_wait(p + off, 20000000000LL) != PL_OK) return 3;
        }
        printf("ok %lld rounds\n", (long long)rounds);
    } else if (strcmp(argv[1], "ring-echo") == 0 && argc == 4) {
        int rc = ring_echo(p + off, (int64_t)(size - off), atoll(argv[3]));
        munmap(p, size);
        return rc;
    } else if (strcmp(argv[1], "wait") == 0 && argc == 4) {
        long long timeout = strtoll(argv[3], NULL, 10);
        printf("ready\n");
        fflush(stdout);
        printf("%d\n", pl_barrier_wait(p + off, (int64_t)timeout));
    } else {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    munmap(p, size);
    return 0;
}
