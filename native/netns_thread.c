// See netns_thread.h.
#define _GNU_SOURCE
#include "netns_thread.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>

typedef struct {
  netns_target target;
  int ns_fd;
  netns_work_fn fn;
  void* arg;
  int err;
  const char* failed_syscall;
} netns_job;

static void* netns_thread_main(void* p) {
  netns_job* job = p;
  // unshare/setns with CLONE_NEWNET act on this thread only (unlike CLONE_NEWUSER they are
  // allowed in a multi-threaded process), so Node's other threads never see the namespace.
  if (job->target == NETNS_NEW && unshare(CLONE_NEWNET) != 0) {
    job->err = errno;
    job->failed_syscall = "unshare(CLONE_NEWNET)";
    return NULL;
  }
  if (job->target == NETNS_FD && setns(job->ns_fd, CLONE_NEWNET) != 0) {
    job->err = errno;
    job->failed_syscall = "setns(CLONE_NEWNET)";
    return NULL;
  }
  job->err = job->fn(job->arg, &job->failed_syscall);
  return NULL;
}

int netns_run(netns_target target, int ns_fd, netns_work_fn fn, void* arg, const char** failed_syscall) {
  netns_job job = {target, ns_fd, fn, arg, 0, NULL};
  pthread_t thread;
  int rc = pthread_create(&thread, NULL, netns_thread_main, &job);
  if (rc != 0) {
    *failed_syscall = "pthread_create";
    return rc;
  }
  rc = pthread_join(thread, NULL);
  if (rc != 0) {
    *failed_syscall = "pthread_join";
    return rc;
  }
  if (job.err != 0) *failed_syscall = job.failed_syscall;
  return job.err;
}
