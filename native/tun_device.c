// See tun_device.h.
//
// Lifetime: while polling, the JS object is held by a strong reference, so it cannot be collected
// with a uv_poll_t still registered in the loop. The C struct is freed only when both the JS object
// was finalized and the poll handle's close callback ran (libuv owns the handle until then).
#define _GNU_SOURCE
#include "tun_device.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#include "errno_error.h"

// Largest packet a TUN device can hand us (IPv4 total length is 16 bits).
#define TUN_READ_SIZE 65536
// Packets read per readiness before yielding to the rest of the loop. uv_poll is level-triggered,
// so whatever is left wakes us again on the next iteration instead of starving timers and I/O.
#define TUN_MAX_BATCH 256

typedef struct {
  napi_env env;
  int fd;
  char name[IFNAMSIZ];
  uint8_t* scratch;
  uv_poll_t poll;
  bool poll_initialized;
  bool poll_closing;
  bool poll_closed;
  bool polling;
  bool finalized;
  napi_ref self_ref;
  napi_ref on_packets;
  napi_ref on_error;
  napi_async_context async_context;
} tun_device;

typedef struct {
  const char* name;
  int fd;
  char actual_name[IFNAMSIZ];
} tun_open_job;

static int tun_open_work(void* arg, const char** failed_syscall) {
  tun_open_job* job = arg;
  // O_NONBLOCK: reads happen only when uv_poll says the fd is readable and must never block the loop.
  // O_CLOEXEC: child processes (the kernel-side peers) must not inherit the device.
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *failed_syscall = "open /dev/net/tun";
    return errno;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, job->name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    int err = errno;
    close(fd);
    *failed_syscall = "ioctl TUNSETIFF";
    return err;
  }
  job->fd = fd;
  memcpy(job->actual_name, ifr.ifr_name, IFNAMSIZ);
  job->actual_name[IFNAMSIZ - 1] = '\0';
  return 0;
}

static void tun_poll_closed(uv_handle_t* handle) {
  tun_device* dev = handle->data;
  dev->poll_closed = true;
  if (dev->finalized) free(dev);
}

static void tun_cleanup_hook(void* arg);

/** Stops delivering packets and drops the callbacks; the fd stays open. */
static void tun_stop_polling(tun_device* dev, bool from_cleanup_hook) {
  if (!dev->polling) return;
  dev->polling = false;
  uv_poll_stop(&dev->poll);
  napi_env env = dev->env;
  if (!from_cleanup_hook) napi_remove_env_cleanup_hook(env, tun_cleanup_hook, dev);
  napi_delete_reference(env, dev->on_packets);
  napi_delete_reference(env, dev->on_error);
  napi_delete_reference(env, dev->self_ref);
  if (dev->async_context != NULL) napi_async_destroy(env, dev->async_context);
  dev->on_packets = dev->on_error = dev->self_ref = NULL;
  dev->async_context = NULL;
}

static void tun_close_now(tun_device* dev, bool from_cleanup_hook) {
  tun_stop_polling(dev, from_cleanup_hook);
  if (dev->poll_initialized && !dev->poll_closing) {
    dev->poll_closing = true;
    uv_close((uv_handle_t*)&dev->poll, tun_poll_closed);
  }
  // Closed after uv_close: libuv has removed it from epoll by then, so the number cannot be
  // reused by another fd while still registered.
  if (dev->fd >= 0) {
    close(dev->fd);
    dev->fd = -1;
  }
  free(dev->scratch);
  dev->scratch = NULL;
}

// The environment is being torn down (process or worker exit) with the device still polling.
static void tun_cleanup_hook(void* arg) { tun_close_now(arg, true); }

static void tun_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  tun_device* dev = data;
  dev->finalized = true;
  if (dev->fd >= 0 || dev->polling) tun_close_now(dev, false);
  if (!dev->poll_initialized || dev->poll_closed) free(dev);
}

/** Calls fn as a top-level callback: microtasks run after it, and a throw becomes an uncaught exception. */
static void tun_call(napi_env env, napi_async_context context, napi_value self, napi_value fn, napi_value arg) {
  napi_value result;
  if (napi_make_callback(env, context, self, fn, 1, &arg, &result) == napi_pending_exception) {
    napi_value exception;
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
  }
}

static void tun_readable(uv_poll_t* handle, int status, int events) {
  (void)events;
  tun_device* dev = handle->data;
  napi_env env = dev->env;
  if (!dev->polling) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;

  int read_errno = 0;
  const char* read_syscall = "read";
  if (status < 0) {
    // libuv reports poll failures as negated errno values.
    read_errno = -status;
    read_syscall = "uv_poll";
  }

  napi_value packets;
  uint32_t count = 0;
  if (read_errno == 0 && napi_create_array(env, &packets) == napi_ok) {
    while (count < TUN_MAX_BATCH) {
      ssize_t n = read(dev->fd, dev->scratch, TUN_READ_SIZE);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) read_errno = errno;
        break;
      }
      if (n == 0) break;
      napi_value buffer;
      if (napi_create_buffer_copy(env, (size_t)n, dev->scratch, NULL, &buffer) != napi_ok) break;
      if (napi_set_element(env, packets, count, buffer) != napi_ok) break;
      count++;
    }
    napi_value self, fn;
    if (count > 0 && napi_get_reference_value(env, dev->self_ref, &self) == napi_ok &&
        napi_get_reference_value(env, dev->on_packets, &fn) == napi_ok)
      tun_call(env, dev->async_context, self, fn, packets);
  }

  // The packets callback may have stopped or closed the device; only a live one reports errors.
  if (read_errno != 0 && dev->polling) {
    napi_value error = errno_error_create(env, read_errno, read_syscall, dev->name);
    napi_value self = NULL, fn = NULL;
    napi_get_reference_value(env, dev->self_ref, &self);
    napi_get_reference_value(env, dev->on_error, &fn);
    // A failing fd would fail again on every iteration: stop first, so that the callback sees a
    // stopped device, but keep the async context alive for the call.
    napi_async_context context = dev->async_context;
    dev->async_context = NULL;
    tun_stop_polling(dev, false);
    if (error != NULL && self != NULL && fn != NULL) tun_call(env, context, self, fn, error);
    napi_async_destroy(env, context);
  }
  napi_close_handle_scope(env, scope);
}

static tun_device* tun_unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv,
                              napi_value* self_out) {
  napi_value self;
  NAPI_OR_RETURN(env, napi_get_cb_info(env, info, argc, argv, &self, NULL), NULL);
  tun_device* dev = NULL;
  if (napi_unwrap(env, self, (void**)&dev) != napi_ok || dev == NULL) {
    coded_error_throw(env, 'T', "ERR_INVALID_THIS", "not a TunDevice");
    return NULL;
  }
  if (self_out != NULL) *self_out = self;
  return dev;
}

// start(onPackets: (packets: Buffer[]) => void, onError: (err: Error) => void): void
static napi_value tun_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value self;
  tun_device* dev = tun_unwrap(env, info, &argc, argv, &self);
  if (dev == NULL) return NULL;
  if (dev->fd < 0) {
    coded_error_throw(env, 'E', "ERR_TCPLAB_TUN_CLOSED", "the TUN device is closed");
    return NULL;
  }
  if (dev->polling) {
    coded_error_throw(env, 'E', "ERR_TCPLAB_TUN_STARTED", "the TUN device is already started");
    return NULL;
  }
  napi_valuetype t0 = napi_undefined, t1 = napi_undefined;
  if (argc >= 2) {
    napi_typeof(env, argv[0], &t0);
    napi_typeof(env, argv[1], &t1);
  }
  if (t0 != napi_function || t1 != napi_function) {
    coded_error_throw(env, 'T', "ERR_INVALID_ARG_TYPE", "start(onPackets, onError) takes two functions");
    return NULL;
  }
  if (!dev->poll_initialized) {
    uv_loop_t* loop;
    NAPI_OR_RETURN(env, napi_get_uv_event_loop(env, &loop), NULL);
    int rc = uv_poll_init(loop, &dev->poll, dev->fd);
    if (rc != 0) {
      errno_error_throw(env, -rc, "uv_poll_init", dev->name);
      return NULL;
    }
    dev->poll.data = dev;
    dev->poll_initialized = true;
  }
  napi_value resource_name;
  NAPI_OR_RETURN(env, napi_create_string_utf8(env, "TcplabTunDevice", NAPI_AUTO_LENGTH, &resource_name), NULL);
  NAPI_OR_RETURN(env, napi_async_init(env, self, resource_name, &dev->async_context), NULL);
  int rc = uv_poll_start(&dev->poll, UV_READABLE, tun_readable);
  if (rc != 0) {
    napi_async_destroy(env, dev->async_context);
    dev->async_context = NULL;
    errno_error_throw(env, -rc, "uv_poll_start", dev->name);
    return NULL;
  }
  napi_create_reference(env, argv[0], 1, &dev->on_packets);
  napi_create_reference(env, argv[1], 1, &dev->on_error);
  napi_create_reference(env, self, 1, &dev->self_ref);
  napi_add_env_cleanup_hook(env, tun_cleanup_hook, dev);
  dev->polling = true;
  return NULL;
}

// stop(): no more packet callbacks (the device stays open; start() may be called again).
static napi_value tun_stop(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  tun_device* dev = tun_unwrap(env, info, &argc, NULL, NULL);
  if (dev == NULL) return NULL;
  tun_stop_polling(dev, false);
  return NULL;
}

// write(packet: Uint8Array): number — one packet per call, as the TUN device requires.
static napi_value tun_write(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  tun_device* dev = tun_unwrap(env, info, &argc, argv, NULL);
  if (dev == NULL) return NULL;
  bool is_typed = false;
  if (argc >= 1) napi_is_typedarray(env, argv[0], &is_typed);
  napi_typedarray_type type = napi_int8_array;
  void* data = NULL;
  size_t length = 0;
  if (is_typed) NAPI_OR_RETURN(env, napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL), NULL);
  if (!is_typed || type != napi_uint8_array) {
    coded_error_throw(env, 'T', "ERR_INVALID_ARG_TYPE", "write(packet) takes a Uint8Array");
    return NULL;
  }
  if (dev->fd < 0) {
    coded_error_throw(env, 'E', "ERR_TCPLAB_TUN_CLOSED", "the TUN device is closed");
    return NULL;
  }
  ssize_t n;
  do {
    n = write(dev->fd, data, length);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    errno_error_throw(env, errno, "write", dev->name);
    return NULL;
  }
  napi_value result;
  NAPI_OR_RETURN(env, napi_create_int64(env, (int64_t)n, &result), NULL);
  return result;
}

// close(): stops polling and closes the fd; the kernel then removes the (non-persistent) device.
static napi_value tun_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  tun_device* dev = tun_unwrap(env, info, &argc, NULL, NULL);
  if (dev == NULL) return NULL;
  tun_close_now(dev, false);
  return NULL;
}

static napi_value tun_get_closed(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  tun_device* dev = tun_unwrap(env, info, &argc, NULL, NULL);
  if (dev == NULL) return NULL;
  napi_value result;
  NAPI_OR_RETURN(env, napi_get_boolean(env, dev->fd < 0, &result), NULL);
  return result;
}

static napi_value tun_get_started(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  tun_device* dev = tun_unwrap(env, info, &argc, NULL, NULL);
  if (dev == NULL) return NULL;
  napi_value result;
  NAPI_OR_RETURN(env, napi_get_boolean(env, dev->polling, &result), NULL);
  return result;
}

// The constructor only accepts the External that tun_device_open passes: a TunDevice cannot be
// made from JS without an open fd behind it.
static napi_value tun_construct(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value self;
  NAPI_OR_RETURN(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL), NULL);
  napi_valuetype type = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  if (type != napi_external) {
    coded_error_throw(env, 'T', "ERR_ILLEGAL_CONSTRUCTOR", "TunDevice objects come from openTun()");
    return NULL;
  }
  tun_device* dev;
  NAPI_OR_RETURN(env, napi_get_value_external(env, argv[0], (void**)&dev), NULL);
  napi_value fd_v, name_v;
  NAPI_OR_RETURN(env, napi_create_int32(env, dev->fd, &fd_v), NULL);
  NAPI_OR_RETURN(env, napi_create_string_utf8(env, dev->name, NAPI_AUTO_LENGTH, &name_v), NULL);
  napi_property_descriptor props[] = {
      {"fd", NULL, NULL, NULL, NULL, fd_v, napi_enumerable, NULL},
      {"name", NULL, NULL, NULL, NULL, name_v, napi_enumerable, NULL},
  };
  NAPI_OR_RETURN(env, napi_define_properties(env, self, 2, props), NULL);
  NAPI_OR_RETURN(env, napi_wrap(env, self, dev, tun_finalize, NULL, NULL), NULL);
  return self;
}

napi_value tun_device_define_class(napi_env env) {
  napi_property_descriptor methods[] = {
      {"start", NULL, tun_start, NULL, NULL, NULL, napi_default_method, NULL},
      {"stop", NULL, tun_stop, NULL, NULL, NULL, napi_default_method, NULL},
      {"write", NULL, tun_write, NULL, NULL, NULL, napi_default_method, NULL},
      {"close", NULL, tun_close, NULL, NULL, NULL, napi_default_method, NULL},
      {"closed", NULL, NULL, tun_get_closed, NULL, NULL, napi_default, NULL},
      {"started", NULL, NULL, tun_get_started, NULL, NULL, napi_default, NULL},
  };
  napi_value ctor;
  NAPI_OR_RETURN(env,
                 napi_define_class(env, "TunDevice", NAPI_AUTO_LENGTH, tun_construct, NULL,
                                   sizeof methods / sizeof methods[0], methods, &ctor),
                 NULL);
  return ctor;
}

napi_value tun_device_open(napi_env env, napi_value ctor, const char* name, netns_target target, int ns_fd) {
  tun_open_job job = {name, -1, {0}};
  const char* failed = "";
  int err = netns_run(target, ns_fd, tun_open_work, &job, &failed);
  if (err != 0) {
    errno_error_throw(env, err, failed, name[0] != '\0' ? name : NULL);
    return NULL;
  }
  tun_device* dev = calloc(1, sizeof *dev);
  uint8_t* scratch = malloc(TUN_READ_SIZE);
  if (dev == NULL || scratch == NULL) {
    free(dev);
    free(scratch);
    close(job.fd);
    errno_error_throw(env, ENOMEM, "malloc", NULL);
    return NULL;
  }
  dev->env = env;
  dev->fd = job.fd;
  dev->scratch = scratch;
  memcpy(dev->name, job.actual_name, IFNAMSIZ);
  napi_value external, instance;
  if (napi_create_external(env, dev, NULL, NULL, &external) != napi_ok ||
      napi_new_instance(env, ctor, 1, &external, &instance) != napi_ok) {
    // Not wrapped: nothing else owns the fd or the struct.
    // The constructor wraps as its very last step, so a failed construction left nothing owning
    // the fd or the struct.
    napi_failure_throw(env, "new TunDevice");
    close(dev->fd);
    free(dev->scratch);
    free(dev);
    return NULL;
  }
  return instance;
}
