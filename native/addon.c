// tcplab_tun: the part of the TUN driver that Node cannot do itself (the TUNSETIFF ioctl, and
// entering a network namespace). Everything else lives in TypeScript (src/tun).
//
// Exports:
//   createNetns(): number                       a fresh, empty network namespace, as an O_CLOEXEC fd
//   openTun(name: string, nsFd: number): TunDevice   nsFd = -1 opens in the caller's namespace
//   TunDevice                                   the class of the devices openTun returns
//   socketCall(op, args, nsPath?): Promise      kernel TCP socket calls off the loop (socket_call.c)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errno_error.h"
#include "netns_thread.h"
#include "socket_call.h"
#include "tun_device.h"

typedef struct {
  int fd;
} netns_fd_job;

static int open_own_netns(void* arg, const char** failed_syscall) {
  netns_fd_job* job = arg;
  // The thread's own namespace: /proc/self would name the main thread's, which never moved.
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%ld/ns/net", (long)syscall(SYS_gettid));
  job->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (job->fd < 0) {
    *failed_syscall = "open /proc/self/task/<tid>/ns/net";
    return errno;
  }
  return 0;
}

// The namespace lives as long as some fd, process or device refers to it; this fd is what keeps
// it alive, so when the process ends for any reason (even SIGKILL) the kernel removes it.
static napi_value create_netns(napi_env env, napi_callback_info info) {
  (void)info;
  netns_fd_job job = {-1};
  const char* failed = "";
  int err = netns_run(NETNS_NEW, -1, open_own_netns, &job, &failed);
  if (err != 0) {
    errno_error_throw(env, err, failed, NULL);
    return NULL;
  }
  napi_value result;
  NAPI_OR_RETURN(env, napi_create_int32(env, job.fd, &result), NULL);
  return result;
}

static napi_value open_tun(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OR_RETURN(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
  napi_valuetype t0 = napi_undefined, t1 = napi_undefined;
  if (argc >= 2) {
    napi_typeof(env, argv[0], &t0);
    napi_typeof(env, argv[1], &t1);
  }
  if (t0 != napi_string || t1 != napi_number) {
    coded_error_throw(env, 'T', "ERR_INVALID_ARG_TYPE", "openTun(name: string, nsFd: number)");
    return NULL;
  }
  char name[IFNAMSIZ + 1];
  size_t length = 0;
  NAPI_OR_RETURN(env, napi_get_value_string_utf8(env, argv[0], name, sizeof name, &length), NULL);
  if (length >= IFNAMSIZ || strchr(name, '/') != NULL) {
    coded_error_throw(env, 'R', "ERR_TCPLAB_TUN_NAME",
                      "interface names are at most 15 bytes and contain no '/'");
    return NULL;
  }
  int32_t ns_fd = -1;
  NAPI_OR_RETURN(env, napi_get_value_int32(env, argv[1], &ns_fd), NULL);

  napi_ref* ctor_ref = NULL;
  napi_value ctor;
  NAPI_OR_RETURN(env, napi_get_instance_data(env, (void**)&ctor_ref), NULL);
  NAPI_OR_RETURN(env, napi_get_reference_value(env, *ctor_ref, &ctor), NULL);
  return tun_device_open(env, ctor, name, ns_fd >= 0 ? NETNS_FD : NETNS_CURRENT, ns_fd);
}

static void free_ctor_ref(napi_env env, void* data, void* hint) {
  (void)hint;
  napi_ref* ref = data;
  napi_delete_reference(env, *ref);
  free(ref);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value ctor = tun_device_define_class(env);
  if (ctor == NULL) return NULL;
  // Per-environment (main thread or worker) storage of the class, for openTun.
  napi_ref* ctor_ref = malloc(sizeof *ctor_ref);
  if (ctor_ref == NULL) {
    errno_error_throw(env, ENOMEM, "malloc", NULL);
    return NULL;
  }
  if (napi_create_reference(env, ctor, 1, ctor_ref) != napi_ok) {
    free(ctor_ref);
    napi_failure_throw(env, "napi_create_reference");
    return NULL;
  }
  NAPI_OR_RETURN(env, napi_set_instance_data(env, ctor_ref, free_ctor_ref, NULL), NULL);
  napi_value socket_call = socket_call_function(env);
  if (socket_call == NULL) return NULL;
  napi_property_descriptor props[] = {
      {"createNetns", NULL, create_netns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openTun", NULL, open_tun, NULL, NULL, NULL, napi_enumerable, NULL},
      {"TunDevice", NULL, NULL, NULL, NULL, ctor, napi_enumerable, NULL},
      {"socketCall", NULL, NULL, NULL, NULL, socket_call, napi_enumerable, NULL},
  };
  NAPI_OR_RETURN(env, napi_define_properties(env, exports, 4, props), NULL);
  return exports;
}
