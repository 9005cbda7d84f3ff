// Kernel TCP sockets for `tcplab packetdrill --target kernel`: each system call of a script runs on
// libuv's thread pool (napi async work) and resolves a Promise, so a call that blocks in the kernel
// (accept, connect, read, close with SO_LINGER) never blocks Node's loop, while the loop keeps
// injecting and capturing packets on the TUN device — as packetdrill runs calls on a thread of its own.
// Sockets are created on a throwaway thread inside the test's network namespace (see netns_thread.h);
// every later call works on the fd, whichever thread makes it.
//
// socketCall(op: number, args: number[], nsPath?: string): Promise<{ ret, errno, out: number[] }>
//   ret is the call's return value (-1 on failure, with errno set); out holds values the call writes
//   back (getsockopt, ioctl, tcp_info, poll's revents).
#define _GNU_SOURCE
#include "socket_call.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "errno_error.h"
#include "netns_thread.h"

enum {
  OP_SOCKET = 0,
  OP_BIND = 1,
  OP_LISTEN = 2,
  OP_ACCEPT = 3,
  OP_CONNECT = 4,
  OP_RECV = 5,
  OP_SEND = 6,
  OP_CLOSE = 7,
  OP_SHUTDOWN = 8,
  OP_SETSOCKOPT_INT = 9,
  OP_GETSOCKOPT_INT = 10,
  OP_SETSOCKOPT_LINGER = 11,
  OP_GETSOCKOPT_LINGER = 12,
  OP_TCP_INFO = 13,
  OP_FCNTL = 14,
  OP_IOCTL_INT = 15,
  OP_POLL = 16,
  OP_PACKET_OPEN = 17,
  OP_PACKET_RECV = 18,
};

#define MAX_ARGS 40
#define MAX_OUT 40
#define MAX_POLL 16

typedef struct {
  int op;
  int argc;
  int64_t a[MAX_ARGS];
  char ns_path[256];
  int64_t ret;
  int err;
  int nout;
  int64_t out[MAX_OUT];
  napi_deferred deferred;
  napi_async_work work;
} call_job;

typedef struct {
  int type;
  int family;
  int fd;
} socket_job;

static int make_socket(void* arg, const char** failed) {
  socket_job* job = arg;
  job->fd = socket(job->family, job->type | SOCK_CLOEXEC, IPPROTO_TCP);
  if (job->fd < 0) {
    *failed = "socket";
    return errno;
  }
  return 0;
}

typedef struct {
  const char* ifname;
  int fd;
} packet_job;

// A packet socket on the TUN device, with kernel receive timestamps: packetdrill times outbound packets
// by when the kernel sent them, not by when a process got round to reading them.
static int make_packet_socket(void* arg, const char** failed) {
  packet_job* job = arg;
  unsigned index = if_nametoindex(job->ifname);
  if (index == 0) {
    *failed = "if_nametoindex";
    return errno;
  }
  job->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
  if (job->fd < 0) {
    *failed = "socket(AF_PACKET)";
    return errno;
  }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)index;
  int on = 1;
  if (bind(job->fd, (struct sockaddr*)&sll, sizeof sll) != 0 ||
      setsockopt(job->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) {
    int err = errno;
    close(job->fd);
    job->fd = -1;
    *failed = "bind/SO_TIMESTAMPNS";
    return err;
  }
  return 0;
}

static void addr_of(struct sockaddr_in* sin, int64_t addr, int64_t port) {
  memset(sin, 0, sizeof *sin);
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl((uint32_t)addr);
  sin->sin_port = htons((uint16_t)port);
}

// An IPv6 socket address from [fd, port, w0, w1, w2, w3]: the address as four 32-bit words, most
// significant first (src/wire/address6.ts's layout).
static void addr6_of(struct sockaddr_in6* sin6, const int64_t* a) {
  memset(sin6, 0, sizeof *sin6);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons((uint16_t)a[1]);
  for (int i = 0; i < 4; i++) {
    uint32_t w = htonl((uint32_t)a[2 + i]);
    memcpy(&sin6->sin6_addr.s6_addr[4 * i], &w, 4);
  }
}

// bind(2) or connect(2) with [fd, addr, port] (IPv4) or [fd, port, w0, w1, w2, w3] (IPv6).
static int64_t addr_call(const call_job* j, int (*call)(int, const struct sockaddr*, socklen_t)) {
  int fd = (int)j->a[0];
  if (j->argc == 6) {
    struct sockaddr_in6 sin6;
    addr6_of(&sin6, j->a);
    return call(fd, (struct sockaddr*)&sin6, sizeof sin6);
  }
  struct sockaddr_in sin;
  addr_of(&sin, j->a[1], j->a[2]);
  return call(fd, (struct sockaddr*)&sin, sizeof sin);
}

static void execute(napi_env env, void* data) {
  (void)env;
  call_job* j = data;
  int fd = (int)j->a[0];
  errno = 0;
  switch (j->op) {
    case OP_SOCKET: {
      // In the namespace the path names: a socket's namespace is fixed when it is created.
      int ns = open(j->ns_path, O_RDONLY | O_CLOEXEC);
      if (ns < 0) {
        j->ret = -1;
        j->err = errno;
        return;
      }
      // [type] or [type, 6]: an AF_INET6 socket for packetdrill's --ip-version 6.
      socket_job sj = {(int)j->a[0], j->argc >= 2 && j->a[1] == 6 ? AF_INET6 : AF_INET, -1};
      const char* failed = "";
      int err = netns_run(NETNS_FD, ns, make_socket, &sj, &failed);
      close(ns);
      j->ret = err ? -1 : sj.fd;
      j->err = err;
      return;
    }
    case OP_PACKET_OPEN: {
      // a[0] is unused; the interface name travels in ns_path after a NUL (see socket_call()).
      int ns = open(j->ns_path, O_RDONLY | O_CLOEXEC);
      if (ns < 0) {
        j->ret = -1;
        j->err = errno;
        return;
      }
      packet_job pj = {j->ns_path + strlen(j->ns_path) + 1, -1};
      const char* failed = "";
      int err = netns_run(NETNS_FD, ns, make_packet_socket, &pj, &failed);
      close(ns);
      j->ret = err ? -1 : pj.fd;
      j->err = err;
      return;
    }
    case OP_PACKET_RECV: {
      // Drains what is queued: for each packet sent out of the device (PACKET_OUTGOING), its kernel time
      // (CLOCK_REALTIME, s and ns) and its length, three numbers per packet, at most MAX_OUT / 3.
      unsigned char buf[2048];
      char control[256];
      j->ret = 0;
      while (j->nout + 3 <= MAX_OUT) {
        struct sockaddr_ll from;
        struct iovec iov = {buf, sizeof buf};
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
        if (n < 0) break;
        if (from.sll_pkttype != PACKET_OUTGOING) continue;
        struct timespec ts = {0, 0};
        for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) memcpy(&ts, CMSG_DATA(c), sizeof ts);
        }
        j->out[j->nout++] = ts.tv_sec;
        j->out[j->nout++] = ts.tv_nsec;
        j->out[j->nout++] = n;
        j->ret++;
      }
      j->err = 0;
      return;
    }
    case OP_BIND:
      j->ret = addr_call(j, bind);
      break;
    case OP_LISTEN:
      j->ret = listen(fd, (int)j->a[1]);
      break;
    case OP_ACCEPT:
      j->ret = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK); // blocking is the caller's loop
      break;
    case OP_CONNECT:
      j->ret = addr_call(j, connect);
      break;
    case OP_RECV: {
      size_t n = (size_t)j->a[1];
      void* buf = malloc(n > 0 ? n : 1);
      if (buf == NULL) {
        j->ret = -1;
        j->err = ENOMEM;
        return;
      }
      j->ret = recv(fd, buf, n, (int)j->a[2]);
      j->err = errno;
      free(buf);
      if (j->ret >= 0) j->err = 0;
      return;
    }
    case OP_SEND: {
      size_t n = (size_t)j->a[1];
      void* buf = calloc(n > 0 ? n : 1, 1); // packetdrill writes zeros too
      if (buf == NULL) {
        j->ret = -1;
        j->err = ENOMEM;
        return;
      }
      j->ret = send(fd, buf, n, (int)j->a[2] | MSG_NOSIGNAL);
      j->err = errno;
      free(buf);
      if (j->ret >= 0) j->err = 0;
      return;
    }
    case OP_CLOSE:
      j->ret = close(fd);
      break;
    case OP_SHUTDOWN:
      j->ret = shutdown(fd, (int)j->a[1]);
      break;
    case OP_SETSOCKOPT_INT: {
      int v = (int)j->a[3];
      j->ret = setsockopt(fd, (int)j->a[1], (int)j->a[2], &v, sizeof v);
      break;
    }
    case OP_GETSOCKOPT_INT: {
      int v = 0;
      socklen_t len = sizeof v;
      j->ret = getsockopt(fd, (int)j->a[1], (int)j->a[2], &v, &len);
      j->out[0] = v;
      j->nout = 1;
      break;
    }
    case OP_SETSOCKOPT_LINGER: {
      struct linger l = {(int)j->a[1], (int)j->a[2]};
      j->ret = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      break;
    }
    case OP_GETSOCKOPT_LINGER: {
      struct linger l = {0, 0};
      socklen_t len = sizeof l;
      j->ret = getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len);
      j->out[0] = l.l_onoff;
      j->out[1] = l.l_linger;
      j->nout = 2;
      break;
    }
    case OP_TCP_INFO: {
      struct tcp_info ti;
      socklen_t len = sizeof ti;
      memset(&ti, 0, sizeof ti);
      j->ret = getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
      // The order src/packetdrill/kernel-target.ts reads them in.
      int64_t v[] = {ti.tcpi_state,   ti.tcpi_ca_state,   ti.tcpi_retransmits, ti.tcpi_probes,
                     ti.tcpi_backoff, ti.tcpi_snd_wscale, ti.tcpi_rcv_wscale,  ti.tcpi_rto,
                     ti.tcpi_ato,     ti.tcpi_snd_mss,    ti.tcpi_rcv_mss,     ti.tcpi_unacked,
                     ti.tcpi_sacked,  ti.tcpi_lost,       ti.tcpi_retrans,     ti.tcpi_rtt,
                     ti.tcpi_rttvar,  ti.tcpi_snd_ssthresh, ti.tcpi_snd_cwnd, ti.tcpi_advmss,
                     ti.tcpi_reordering, ti.tcpi_total_retrans};
      j->nout = (int)(sizeof v / sizeof v[0]);
      memcpy(j->out, v, sizeof v);
      break;
    }
    case OP_FCNTL:
      j->ret = fcntl(fd, (int)j->a[1], (long)j->a[2]);
      break;
    case OP_IOCTL_INT: {
      int v = 0;
      j->ret = ioctl(fd, (unsigned long)j->a[1], &v);
      j->out[0] = v;
      j->nout = 1;
      break;
    }
    case OP_POLL: {
      // a = [timeoutMs, n, fd0, events0, fd1, events1, ...]
      int n = (int)j->a[1];
      struct pollfd p[MAX_POLL];
      for (int i = 0; i < n; i++) {
        p[i].fd = (int)j->a[2 + 2 * i];
        p[i].events = (short)j->a[3 + 2 * i];
        p[i].revents = 0;
      }
      j->ret = poll(p, (nfds_t)n, (int)j->a[0]);
      for (int i = 0; i < n; i++) j->out[i] = p[i].revents;
      j->nout = n;
      break;
    }
    default:
      j->ret = -1;
      errno = ENOSYS;
  }
  j->err = j->ret < 0 ? errno : 0;
}

static void complete(napi_env env, napi_status status, void* data) {
  call_job* j = data;
  napi_value result, v, out;
  if (status != napi_ok || napi_create_object(env, &result) != napi_ok) {
    napi_value err;
    napi_get_undefined(env, &err);
    napi_reject_deferred(env, j->deferred, err);
  } else {
    napi_create_int64(env, j->ret, &v);
    napi_set_named_property(env, result, "ret", v);
    napi_create_int32(env, j->err, &v);
    napi_set_named_property(env, result, "errno", v);
    napi_create_array_with_length(env, (size_t)j->nout, &out);
    for (int i = 0; i < j->nout; i++) {
      napi_create_int64(env, j->out[i], &v);
      napi_set_element(env, out, (uint32_t)i, v);
    }
    napi_set_named_property(env, result, "out", out);
    napi_resolve_deferred(env, j->deferred, result);
  }
  napi_delete_async_work(env, j->work);
  free(j);
}

static napi_value socket_call(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  NAPI_OR_RETURN(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
  bool is_array = false;
  if (argc < 2 || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) {
    coded_error_throw(env, 'T', "ERR_INVALID_ARG_TYPE", "socketCall(op: number, args: number[], nsPath?: string)");
    return NULL;
  }
  call_job* j = calloc(1, sizeof *j);
  if (j == NULL) {
    errno_error_throw(env, ENOMEM, "calloc", NULL);
    return NULL;
  }
  int32_t op = -1;
  uint32_t n = 0;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || napi_get_array_length(env, argv[1], &n) != napi_ok ||
      n > MAX_ARGS) {
    free(j);
    coded_error_throw(env, 'R', "ERR_TCPLAB_SOCKET_CALL", "bad op or too many arguments");
    return NULL;
  }
  j->op = op;
  j->argc = (int)n;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, argv[1], i, &e);
    if (napi_get_value_int64(env, e, &j->a[i]) != napi_ok) {
      free(j);
      coded_error_throw(env, 'T', "ERR_INVALID_ARG_TYPE", "socketCall arguments must be numbers");
      return NULL;
    }
  }
  if (op == OP_POLL && (j->a[1] < 0 || j->a[1] > MAX_POLL || 2 + 2 * j->a[1] > n)) {
    free(j);
    coded_error_throw(env, 'R', "ERR_TCPLAB_SOCKET_CALL", "poll: at most 16 fds, two numbers each");
    return NULL;
  }
  if (argc >= 3) {
    size_t len = 0;
    if (napi_get_value_string_utf8(env, argv[2], j->ns_path, sizeof j->ns_path, &len) != napi_ok) j->ns_path[0] = 0;
  }
  if (argc >= 4 && op == OP_PACKET_OPEN) {
    // The interface name follows the namespace path, after its NUL.
    size_t used = strlen(j->ns_path) + 1, len = 0;
    if (used >= sizeof j->ns_path ||
        napi_get_value_string_utf8(env, argv[3], j->ns_path + used, sizeof j->ns_path - used, &len) != napi_ok) {
      free(j);
      coded_error_throw(env, 'T', "ERR_INVALID_ARG_TYPE", "socketCall(17, [], nsPath, ifname)");
      return NULL;
    }
  }
  if ((op == OP_SOCKET || op == OP_PACKET_OPEN) && j->ns_path[0] == 0) {
    free(j);
    coded_error_throw(env, 'T', "ERR_INVALID_ARG_TYPE", "socketCall(0, [type], nsPath): the namespace path is required");
    return NULL;
  }
  napi_value promise, name;
  NAPI_OR_RETURN(env, napi_create_promise(env, &j->deferred, &promise), NULL);
  NAPI_OR_RETURN(env, napi_create_string_utf8(env, "tcplab.socketCall", NAPI_AUTO_LENGTH, &name), NULL);
  NAPI_OR_RETURN(env, napi_create_async_work(env, NULL, name, execute, complete, j, &j->work), NULL);
  NAPI_OR_RETURN(env, napi_queue_async_work(env, j->work), NULL);
  return promise;
}

napi_value socket_call_function(napi_env env) {
  napi_value fn;
  NAPI_OR_RETURN(env, napi_create_function(env, "socketCall", NAPI_AUTO_LENGTH, socket_call, NULL, &fn), NULL);
  return fn;
}
