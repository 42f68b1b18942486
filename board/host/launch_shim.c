/*
 * LD_PRELOAD shim for the host interpreter (tools/espruino/interpreter.ts).
 *
 * Ports: the firmware binds fixed ports
 * (80 for the admin API, 2323 for telnet, whatever an image listens on), and
 * tests run several interpreters at once. ESPRUINO_PORTMAP="80=18080,2323=0"
 * rewrites bind() of a listed port to the mapped one (0: a free port the kernel
 * picks); each rewrite is reported on stderr as "portmap: 80 -> 18080" so the
 * launcher learns where a 0 landed. Unlisted ports bind as asked.
 *
 * Parent death: the interpreter reads its console from stdin and takes end of
 * file for input, so one whose launcher died would spin; it is killed with
 * its launcher instead (PR_SET_PDEATHSIG).
 *
 * Built -m32 beside the 32-bit interpreter (tools/espruino/build.ts).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

__attribute__((constructor)) static void die_with_parent(void) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static int mapped_port(int port) {
  const char *map = getenv("ESPRUINO_PORTMAP");
  while (map && *map) {
    char *end;
    long from = strtol(map, &end, 10);
    if (*end != '=') return -1;
    long to = strtol(end + 1, &end, 10);
    if (from == port) return (int)to;
    map = strchr(end, ',');
    if (map) map++;
  }
  return -1;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static int (*real_bind)(int, const struct sockaddr *, socklen_t);
  if (!real_bind) real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
  if (addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
    struct sockaddr_in in;
    memcpy(&in, addr, sizeof in);
    int from = ntohs(in.sin_port);
    int to = mapped_port(from);
    if (to >= 0) {
      in.sin_port = htons((unsigned short)to);
      /* host tests stay on loopback: a mapped server never faces the network */
      in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      int r = real_bind(fd, (const struct sockaddr *)&in, sizeof in);
      if (r == 0) {
        struct sockaddr_in got;
        socklen_t gl = sizeof got;
        if (getsockname(fd, (struct sockaddr *)&got, &gl) == 0)
          fprintf(stderr, "portmap: %d -> %d\n", from, ntohs(got.sin_port));
      }
      return r;
    }
  }
  return real_bind(fd, addr, len);
}
