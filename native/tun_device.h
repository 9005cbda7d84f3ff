// The TunDevice class: one open /dev/net/tun fd (IFF_TUN | IFF_NO_PI: bare IPv4/IPv6 packets),
// read on Node's own loop through uv_poll and written one packet per write(2).
#ifndef TCPLAB_TUN_DEVICE_H
#define TCPLAB_TUN_DEVICE_H

#include <node_api.h>

#include "netns_thread.h"

/** Defines the class; keep the returned constructor (a reference) for tun_device_open. */
napi_value tun_device_define_class(napi_env env);

/**
 * Opens a TUN device named `name` ("" lets the kernel choose tunN) inside the chosen network
 * namespace and wraps it in a new instance of `ctor`. Returns NULL with an exception pending on failure.
 */
napi_value tun_device_open(napi_env env, napi_value ctor, const char* name, netns_target target, int ns_fd);

#endif
