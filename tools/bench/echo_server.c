/*
 * A minimal Linux TCP echo server (RFC 862), the kernel's side of the
 * request/response reference in tools/bench/net-bench: it echoes what each
 * connection sends, one connection at a time, with blocking reads and
 * writes and Nagle off, so the figure measured against it is the kernel's
 * TCP over veth plus the least userspace work an echo can cost.
 *
 *   echo_server ADDRESS PORT
 *
 * It prints "ready" once listening and runs until killed.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* Returns a listening socket bound to addr:port, or -1 with errno set. */
static int listen_on(const char *addr, int port)
{
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  int one = 1;
  int fd;

  if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
    fprintf(stderr, "echo_server: %s is not an IPv4 address\n", addr);
    return -1;
  }
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 4) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Echoes one connection until the peer closes it or an error ends it. */
static void echo(int fd)
{
  char buf[65536];
  int one = 1;
  ssize_t n;

  /* Without TCP_NODELAY a small echo can wait for the client's delayed ACK
   * (RFC 896's rule), which would measure the ACK timer, not the stack. */
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    ssize_t off = 0;
    while (off < n) {
      ssize_t w = write(fd, buf + off, (size_t)(n - off));
      if (w <= 0) {
        return;
      }
      off += w;
    }
  }
}

int main(int argc, char **argv)
{
  int lfd;

  if (argc != 3) {
    fprintf(stderr, "usage: echo_server ADDRESS PORT\n");
    return 2;
  }
  lfd = listen_on(argv[1], atoi(argv[2]));
  if (lfd < 0) {
    perror("echo_server");
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
      perror("echo_server: accept");
      return 1;
    }
    echo(fd);
    close(fd);
  }
}
