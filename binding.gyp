{
  "targets": [
    {
      "target_name": "tcplab_tun",
      "sources": [
        "native/addon.c",
        "native/errno_error.c",
        "native/netns_thread.c",
        "native/socket_call.c",
        "native/tun_device.c"
      ],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-pthread"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
