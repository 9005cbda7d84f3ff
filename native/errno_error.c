// See errno_error.h. The errno name comes from glibc's strerrorname_np where it exists; other C
// libraries (musl) get a short table of the codes this addon can actually meet.
#define _GNU_SOURCE
#include "errno_error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char* errno_table_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOBUFS: return "ENOBUFS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EBADFD: return "EBADFD";
    case EUSERS: return "EUSERS";
    case ENOSYS: return "ENOSYS";
    default: return NULL;
  }
}

const char* errno_code_name(int err, char* fallback, unsigned fallback_size) {
  const char* name = NULL;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  name = strerrorname_np(err);
#endif
  if (name == NULL) name = errno_table_name(err);
  if (name != NULL) return name;
  snprintf(fallback, fallback_size, "E%d", err);
  return fallback;
}

napi_value errno_error_create(napi_env env, int err, const char* syscall, const char* what) {
  char fallback[16];
  const char* code = errno_code_name(err, fallback, sizeof fallback);
  char message[512];
  char reason[128];
  // strerror_r has two incompatible signatures (GNU and XSI); strerror alone is enough here
  // because every call happens on Node's main thread.
  snprintf(reason, sizeof reason, "%s", strerror(err));
  if (what != NULL)
    snprintf(message, sizeof message, "%s: %s, %s %s", code, reason, syscall, what);
  else
    snprintf(message, sizeof message, "%s: %s, %s", code, reason, syscall);

  napi_value code_v, message_v, error, errno_v, syscall_v;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_v) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &message_v) != napi_ok) return NULL;
  if (napi_create_error(env, code_v, message_v, &error) != napi_ok) return NULL;
  if (napi_create_int32(env, -err, &errno_v) == napi_ok) napi_set_named_property(env, error, "errno", errno_v);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_v) == napi_ok)
    napi_set_named_property(env, error, "syscall", syscall_v);
  return error;
}

void errno_error_throw(napi_env env, int err, const char* syscall, const char* what) {
  napi_value error = errno_error_create(env, err, syscall, what);
  if (error != NULL)
    napi_throw(env, error);
  else
    napi_throw_error(env, "ERR_TCPLAB_NATIVE", syscall);
}

void coded_error_throw(napi_env env, char kind, const char* code, const char* message) {
  if (kind == 'T')
    napi_throw_type_error(env, code, message);
  else if (kind == 'R')
    napi_throw_range_error(env, code, message);
  else
    napi_throw_error(env, code, message);
}

void napi_failure_throw(napi_env env, const char* where) {
  // Read the failure first: every later N-API call (even a successful one) overwrites it.
  const napi_extended_error_info* info = NULL;
  char message[512];
  if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL && info->error_message != NULL)
    snprintf(message, sizeof message, "N-API call failed (%s): %s", info->error_message, where);
  else
    snprintf(message, sizeof message, "N-API call failed: %s", where);
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  napi_throw_error(env, "ERR_TCPLAB_NATIVE", message);
}
