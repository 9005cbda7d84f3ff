// JS errors for failed system calls, shaped like Node's own (code, errno, syscall), so callers can
// switch on `err.code` ("ENOENT", "EPERM", ...) exactly as they do for node:fs errors.
#ifndef TCPLAB_ERRNO_ERROR_H
#define TCPLAB_ERRNO_ERROR_H

#include <node_api.h>

/** "ENOENT" style name of an errno value ("E" followed by the number when unknown). */
const char* errno_code_name(int err, char* fallback, unsigned fallback_size);

/** An Error with code, errno (negative, as Node reports it) and syscall; `what` may be NULL. */
napi_value errno_error_create(napi_env env, int err, const char* syscall, const char* what);

/** Throws errno_error_create(...) in env. */
void errno_error_throw(napi_env env, int err, const char* syscall, const char* what);

/** Throws an Error (or TypeError/RangeError by `kind`: 'E', 'T', 'R') with a string code. */
void coded_error_throw(napi_env env, char kind, const char* code, const char* message);

/** Throws a generic error describing the last failed N-API call, unless an exception is already pending. */
void napi_failure_throw(napi_env env, const char* where);

// Evaluates an N-API call; on failure throws (if nothing is pending yet) and returns `ret`.
#define NAPI_OR_RETURN(env, call, ret)                                                                       \
  do {                                                                                                       \
    if ((call) != napi_ok) {                                                                                 \
      napi_failure_throw((env), #call);                                                                      \
      return ret;                                                                                            \
    }                                                                                                        \
  } while (0)

#endif
