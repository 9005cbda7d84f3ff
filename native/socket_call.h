// Kernel TCP socket calls on libuv's thread pool, for the packetdrill kernel target (socket_call.c).
#ifndef TCPLAB_SOCKET_CALL_H
#define TCPLAB_SOCKET_CALL_H

#include <node_api.h>

/** The socketCall(op, args, nsPath?) function, to export. */
napi_value socket_call_function(napi_env env);

#endif
