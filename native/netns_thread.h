// Runs a piece of work on a short-lived thread that sits in another network namespace.
//
// Why a thread of its own: a network namespace is a per-thread property in Linux, and the namespace
// a TUN device (or any socket) lives in is fixed when its fd is opened. Switching Node's main thread
// would also move every child process it forks until it switched back, and a failed switch back
// could not be undone. A throwaway thread avoids both: it enters the namespace, opens what it must,
// and exits; the fds it opened belong to the whole process and keep their namespace for good.
#ifndef TCPLAB_NETNS_THREAD_H
#define TCPLAB_NETNS_THREAD_H

/** Which namespace the worker thread runs in. */
typedef enum {
  NETNS_CURRENT = 0, /* the caller's own */
  NETNS_NEW = 1,     /* a fresh, empty one (unshare(CLONE_NEWNET)) */
  NETNS_FD = 2,      /* the one an open namespace fd refers to (setns) */
} netns_target;

/** The work: returns 0, or an errno value with *failed_syscall set to the call that failed. */
typedef int (*netns_work_fn)(void* arg, const char** failed_syscall);

/**
 * Runs fn(arg) on a new thread in the chosen namespace and waits for it.
 * Returns 0, or an errno value with *failed_syscall naming what failed (entering the namespace,
 * creating the thread, or the work itself).
 */
int netns_run(netns_target target, int ns_fd, netns_work_fn fn, void* arg, const char** failed_syscall);

#endif
