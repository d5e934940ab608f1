/*
 * Fixed-count echo client, for load-independent measurement (instruction counts under
 * callgrind, CPU per message from /proc): it opens N connections, keeps one masked message of
 * S bytes in flight on each, and stops after M echoes per connection. The same M gives the same
 * work whatever the machine's load, so a server's count for M echoes minus its count for M/2
 * is the cost of M/2 echoes, with start-up, handshakes and JIT warm-up cancelled out.
 *
 *   cc -O2 -o count-echo count-echo.c
 *   ./count-echo --port 9001 --connections 1 --messages 20000 --payload 512 [--text] [--tcp]
 *
 * --text sends text frames of ASCII bytes (the server's UTF-8 check runs), otherwise binary.
 * --tcp: no handshake, the server echoes raw bytes (the `net` floor). Prints one JSON line
 * with the echoes done and the client's wall time, then closes every socket and exits.
 *
 * --broadcast: N subscribers on /sub and one publisher on /pub; the publisher sends M messages,
 * keeping at most --window W (default 16) published but not yet received by every subscriber,
 * so the count is M × N deliveries.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

struct connection {
  int fd;
  long left;  /* echoes still to do */
  size_t have; /* bytes of the echoed frame received */
};

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static void handshake(int fd, int port, const char *path) {
  char request[512];
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: " KEY "\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n",
                   path, port);
  if (write(fd, request, (size_t)n) != n) die("write handshake");
  char response[2048];
  size_t have = 0;
  for (;;) {
    ssize_t r = read(fd, response + have, sizeof response - 1 - have);
    if (r <= 0) die("read handshake");
    have += (size_t)r;
    response[have] = 0;
    if (strstr(response, "\r\n\r\n") != NULL) break;
  }
  if (strncmp(response, "HTTP/1.1 101", 12) != 0 || strstr(response, ACCEPT) == NULL) {
    fprintf(stderr, "bad handshake response: %s\n", response);
    exit(1);
  }
}

static void write_all(int fd, const unsigned char *bytes, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t w = write(fd, bytes + done, length - done);
    if (w < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      die("write");
    }
    done += (size_t)w;
  }
}

static int broadcast(int port, int subscribers, long messages, long window,
                     const unsigned char *frame, size_t frame_len, size_t echo_len);

int main(int argc, char **argv) {
  int port = 0, connections = 1, text = 0, tcp = 0, bcast = 0;
  long window = 16;
  long messages = 10000;
  size_t payload = 512;
  const char *path = "/echo";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--connections") && i + 1 < argc) connections = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--messages") && i + 1 < argc) messages = atol(argv[++i]);
    else if (!strcmp(argv[i], "--payload") && i + 1 < argc) payload = (size_t)atol(argv[++i]);
    else if (!strcmp(argv[i], "--path") && i + 1 < argc) path = argv[++i];
    else if (!strcmp(argv[i], "--text")) text = 1;
    else if (!strcmp(argv[i], "--tcp")) tcp = 1;
    else if (!strcmp(argv[i], "--broadcast")) bcast = 1;
    else if (!strcmp(argv[i], "--window") && i + 1 < argc) window = atol(argv[++i]);
    else {
      fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (port == 0 || payload > 65535 || payload < 126) {
    fprintf(stderr, "need --port, and 126 <= --payload <= 65535\n");
    return 2;
  }
  /* One masked frame: FIN + opcode, 126 + 16-bit length, key, masked payload. */
  size_t frame_len = 8 + payload;
  unsigned char *frame = malloc(frame_len);
  unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  frame[0] = 0x80 | (text ? 1 : 2);
  frame[1] = 0x80 | 126;
  frame[2] = (unsigned char)(payload >> 8);
  frame[3] = (unsigned char)payload;
  memcpy(frame + 4, key, 4);
  for (size_t i = 0; i < payload; i++) frame[8 + i] = (unsigned char)('a' + i % 26) ^ key[i & 3];
  size_t echo_len = tcp ? frame_len : 4 + payload; /* the server's frame is unmasked */
  if (bcast) return broadcast(port, connections, messages, window, frame, frame_len, echo_len);

  struct connection *conns = calloc((size_t)connections, sizeof *conns);
  unsigned char *in = malloc(echo_len + 65536);
  int ep = epoll_create1(0);
  for (int i = 0; i < connections; i++) {
    conns[i].fd = connect_to(port);
    if (!tcp) handshake(conns[i].fd, port, path);
    conns[i].left = messages;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0) die("epoll_ctl");
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < connections; i++) write_all(conns[i].fd, frame, frame_len);
  long active = connections, echoes = 0;
  struct epoll_event events[256];
  while (active > 0) {
    int n = epoll_wait(ep, events, 256, 30000);
    if (n <= 0) {
      fprintf(stderr, "timeout or error waiting for echoes (%ld done)\n", echoes);
      return 1;
    }
    for (int e = 0; e < n; e++) {
      struct connection *c = &conns[events[e].data.u32];
      ssize_t r = read(c->fd, in + c->have, echo_len + 65536 - c->have);
      if (r <= 0) {
        fprintf(stderr, "connection closed by the server\n");
        return 1;
      }
      c->have += (size_t)r;
      if (c->have < echo_len) continue;
      if (c->have > echo_len) {
        fprintf(stderr, "more than one frame received\n");
        return 1;
      }
      c->have = 0;
      echoes++;
      if (--c->left == 0) {
        active--;
        continue;
      }
      write_all(c->fd, frame, frame_len);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("{\"echoes\":%ld,\"ms\":%.1f}\n", echoes, ms);
  fflush(stdout);
  for (int i = 0; i < connections; i++) close(conns[i].fd);
  return 0;
}

static int broadcast(int port, int subscribers, long messages, long window,
                     const unsigned char *frame, size_t frame_len, size_t echo_len) {
  int ep = epoll_create1(0);
  /* Index `subscribers` is the publisher: read only to answer the heartbeat's pings. */
  int *fds = calloc((size_t)subscribers + 1, sizeof *fds);
  long *received = calloc((size_t)subscribers + 1, sizeof *received);
  size_t *have = calloc((size_t)subscribers + 1, sizeof *have);
  unsigned char *in = malloc(1 << 20);
  enum { BUF_SIZE = 2 << 20 };
  unsigned char **bufs = calloc((size_t)subscribers + 1, sizeof *bufs);
  for (int i = 0; i <= subscribers; i++) bufs[i] = malloc(BUF_SIZE);
  (void)echo_len;
  for (int i = 0; i < subscribers; i++) {
    fds[i] = connect_to(port);
    handshake(fds[i], port, "/sub");
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) die("epoll_ctl");
  }
  int pub = connect_to(port);
  handshake(pub, port, "/pub");
  fds[subscribers] = pub;
  struct epoll_event pev = {.events = EPOLLIN, .data.u32 = (uint32_t)subscribers};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, pub, &pev) < 0) die("epoll_ctl");
  usleep(200000); /* subscriptions are made in the server's open callbacks */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long published = 0, done = 0; /* done: received by every subscriber */
  struct epoll_event events[256];
  while (done < messages) {
    while (published < messages && published - done < window) {
      write_all(pub, frame, frame_len);
      published++;
    }
    int n = epoll_wait(ep, events, 256, 30000);
    if (n <= 0) {
      fprintf(stderr, "timeout waiting for deliveries (%ld done)\n", done);
      return 1;
    }
    for (int e = 0; e < n; e++) {
      int i = (int)events[e].data.u32;
      ssize_t r = read(fds[i], in, 1 << 20);
      if (r <= 0) {
        fprintf(stderr, "subscriber closed by the server\n");
        return 1;
      }
      /* Whole frames: data frames count, a ping (the server's heartbeat) gets its pong. */
      unsigned char *buf = bufs[i];
      if (have[i] + (size_t)r > BUF_SIZE) {
        fprintf(stderr, "subscriber buffer overflow\n");
        return 1;
      }
      memcpy(buf + have[i], in, (size_t)r);
      have[i] += (size_t)r;
      size_t at = 0;
      for (;;) {
        if (have[i] - at < 2) break;
        size_t len = buf[at + 1] & 0x7f, head = 2;
        if (len == 126) {
          if (have[i] - at < 4) break;
          len = ((size_t)buf[at + 2] << 8) | buf[at + 3];
          head = 4;
        }
        if (have[i] - at < head + len) break;
        int opcode = buf[at] & 0x0f;
        if (opcode == 1 || opcode == 2) received[i]++;
        else if (opcode == 9 && len <= 125) {
          unsigned char pong[6 + 125];
          pong[0] = 0x8a;
          pong[1] = (unsigned char)(0x80 | len);
          memset(pong + 2, 0, 4); /* zero key: the payload goes as it is */
          memcpy(pong + 6, buf + at + head, len);
          write_all(fds[i], pong, 6 + len);
        }
        at += head + len;
      }
      memmove(buf, buf + at, have[i] - at);
      have[i] -= at;
    }
    long least = received[0];
    for (int i = 1; i < subscribers; i++)
      if (received[i] < least) least = received[i];
    done = least;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("{\"deliveries\":%ld,\"ms\":%.1f}\n", messages * subscribers, ms);
  fflush(stdout);
  for (int i = 0; i < subscribers; i++) close(fds[i]);
  close(pub);
  return 0;
}
