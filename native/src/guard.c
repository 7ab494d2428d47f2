/*
 * Fault guards: a kernel that touches a page of a mapped file that another process truncated
 * away gets SIGBUS. Without a guard that signal ends the process (the JVM's handler treats a
 * SIGBUS in native code as a crash); with one, the kernel call returns PL_E_FAULT instead.
 *
 * How. Every public kernel entry point runs its work under a guard (PL_GUARDED in impl.h): a
 * sigjmp_buf on its own stack, pushed on a per-thread list before the work and popped after. So
 * does each part of a team call on its worker thread (team.c), where the caller waits for every
 * part before it gives up the call. The library's SIGBUS handler, installed on the first guarded
 * call, jumps back to the innermost guard of the faulting thread when the fault is an access
 * past the end of a mapped object (si_code BUS_ADRERR) and that thread is inside a guard. Any
 * other SIGBUS goes to the handler that was there before (the JVM's, which turns faults of Java
 * code in mapped memory into an InternalError; or the default action). Jumping out of a kernel
 * is safe: kernels hold no lock, allocate nothing below a guard and write only their own
 * stack, their parts and the caller's output, which the caller then does not use.
 *
 * Cost: sigsetjmp without the signal mask plus two thread-local stores, 2.5 to 4 ns a call on
 * the 2-core AMD EPYC (Zen 5), none of it a system call (docs/FORMAT.md gives the figures).
 * PARALELO_FAULT_GUARD=0 in the environment leaves SIGBUS alone (faults then end the process,
 * as they did before guards).
 */
#define _GNU_SOURCE
#include "impl.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

__thread pl_guard *pl_guard_top;
int pl_guard_state; /* 0 until the first guarded call; then 1 (installed) or 2 (left alone) */

static struct sigaction previous; /* the SIGBUS handler before ours: where other faults go */
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* Hands a SIGBUS that is not a guarded fault to the handler installed before ours. */
static void chain(int sig, siginfo_t *info, void *context) {
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction) {
            previous.sa_sigaction(sig, info, context);
            return;
        }
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    /* The default action (an ignored SIGBUS fault would only fault again): restore it and let
     * the signal end the process, as it would have without this library. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

static void on_sigbus(int sig, siginfo_t *info, void *context) {
    pl_guard *g = pl_guard_top;
    if (g && info && info->si_code == BUS_ADRERR) {
        /* The jump skips the kernel's return from this handler, which would have restored the
         * interrupted code's signal mask: restore it here. Whoever called this handler may have
         * blocked others for it (the JVM does when libjsig chains to it), and sigsetjmp(env, 0)
         * saved no mask to go back to. */
        if (context) pthread_sigmask(SIG_SETMASK, &((const ucontext_t *)context)->uc_sigmask, NULL);
        siglongjmp(g->env, 1);
    }
    chain(sig, info, context);
}

static void install(void) {
    const char *env = getenv("PARALELO_FAULT_GUARD");
    int state = 2;
    if (!(env && strcmp(env, "0") == 0) && sigaction(SIGBUS, NULL, &previous) == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        /* SA_NODEFER: the jump out of the handler leaves SIGBUS unblocked. */
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART | (previous.sa_flags & SA_ONSTACK);
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, NULL) == 0) state = 1;
    }
    __atomic_store_n(&pl_guard_state, state, __ATOMIC_RELEASE);
}

void pl_guard_install(void) { pthread_once(&install_once, install); }

void pl_guard_raise(void) {
    pl_guard *g = pl_guard_top;
    if (!g) {
        fputs("paralelo: a mapped file was truncated under a kernel that runs outside any guard\n", stderr);
        abort();
    }
    siglongjmp(g->env, 1);
}

int pl_fault_guard(void) {
    pl_guard_install();
    return __atomic_load_n(&pl_guard_state, __ATOMIC_ACQUIRE) == 1;
}
