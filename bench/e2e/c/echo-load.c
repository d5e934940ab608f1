/*
 * Echo load client for the end-to-end benchmark, in plain C so that the load generator costs
 * far less per message than any server it measures (the Node client in ../client/ spends about
 * as much CPU per echo as the fastest servers, so it could not tell them apart).
 *
 * It opens N WebSocket connections to 127.0.0.1:PORT (HTTP/1.1 upgrade with RFC 6455's sample
 * key, the 101 and its accept value checked), then keeps exactly one masked binary message of S
 * bytes in flight per connection: send, wait for the whole echoed frame, check it, send again.
 * After a warm-up it counts for a fixed window and prints one JSON line: echoes in the window,
 * msg/s, round-trip p50/p99 (1 µs histogram), errors, its own CPU use (getrusage) and, with
 * --pid, the server's CPU time from /proc/PID/stat over the same window.
 *
 * One thread, epoll (level-triggered), non-blocking sockets, one pre-masked frame shared by
 * every connection, one read per readiness event: a round trip costs the client one write, one
 * read and a share of one epoll_wait.
 *
 * Build and run (the runner does both; see ../runner/c-load-client.ts):
 *   cc -O2 -o echo-load echo-load.c
 *   ./echo-load --port 9001 --connections 100 --payload 512 --warmup-ms 1000 --duration-ms 3000
 * Options: --pid PID (server CPU), --path /echo, --tcp (raw TCP echo: no handshake).
 * The process ends by itself: alarm() kills it if the run overstays its length by 30 s.
 *
 * Broadcast mode (--broadcast): N subscriber connections on /sub (--connections N) and one
 * publisher connection on /pub that keeps at most --window W messages (default 16) published
 * but not yet delivered to every subscriber. Each message carries its sequence number and its
 * send time in its first 16 bytes, so every subscriber checks that messages arrive complete
 * and in publish order, and each delivery gives one publish-to-arrival latency. Prints
 * deliveries (message × subscriber) in the window, deliveries/s, latency p50/p99, and the
 * server's CPU per delivery.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define HISTOGRAM_BUCKETS 1000000 /* 1 µs buckets up to 1 s, then one overflow bucket */
#define MAX_EVENTS 1024
#define HANDSHAKE_TIMEOUT_S 5

struct connection {
  int fd;
  int alive;
  size_t have;       /* bytes of the echoed frame received so far */
  size_t written;    /* bytes of the outgoing frame written so far (partial writes) */
  uint64_t sent_ns;  /* when the message in flight was sent */
  unsigned char *in; /* receive buffer: one server frame */
};

static struct {
  int port;
  int connections;
  size_t payload;
  long warmup_ms;
  long duration_ms;
  int server_pid;
  int tcp;
  const char *path;
  int broadcast;
  int window;
} options = {0, 100, 512, 1000, 3000, 0, 0, "/echo", 0, 16};

static uint32_t histogram[HISTOGRAM_BUCKETS + 1];
static uint64_t histogram_count;
static unsigned char *payload;   /* the bytes every echo must carry */
static unsigned char *frame;     /* the masked client frame */
static size_t frame_length;
static size_t echo_length;       /* header + payload of the server's unmasked frame */
static size_t echo_header;
static long errors;
static char first_error[160];

/* A setup step failed: say which (with errno's text when a call set it) and exit. */
static void fail(const char *message) {
  fprintf(stderr, "echo-load: %s%s%s\n", message, errno ? ": " : "", errno ? strerror(errno) : "");
  exit(2);
}

static void die(const char *message) {
  errno = 0;
  fail(message);
}

static void note_error(const char *what) {
  if (errors++ == 0) snprintf(first_error, sizeof first_error, "%s", what);
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* This process's CPU time so far; `user` gets the user-mode part (the rest is the kernel's
 * TCP work, which on loopback includes the receiving side's). */
static double cpu_seconds(double *user) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  *user = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6;
  return *user + (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* utime + stime of every thread of the server, in clock ticks (proc(5) fields 14 and 15). */
static long long server_ticks(void) {
  if (options.server_pid <= 0) return 0;
  char path[64], text[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", options.server_pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = 0;
  char *p = strrchr(text, ')');
  if (p == NULL) return -1;
  /* After ") " come fields 3 (state) onwards: skip 11 to reach field 14. */
  p += 2;
  for (int field = 3; field < 14; field++) {
    p = strchr(p, ' ');
    if (p == NULL) return -1;
    p++;
  }
  long long utime = 0, stime = 0;
  if (sscanf(p, "%lld %lld", &utime, &stime) != 2) return -1;
  return utime + stime;
}

/* The server's CPU time in ns, summed over its threads' /proc/PID/task/TID/schedstat (first
 * field: time on a CPU): the same total as field 14 + 15 of /proc/PID/stat, without its 10 ms
 * tick granularity, which matters for short runs on a busy machine. */
static long long server_sched_ns(void) {
  if (options.server_pid <= 0) return 0;
  char path[320], text[128];
  snprintf(path, sizeof path, "/proc/%d/task", options.server_pid);
  DIR *dir = opendir(path);
  if (dir == NULL) return -1;
  long long total = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (entry->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "/proc/%d/task/%s/schedstat", options.server_pid, entry->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) continue;
    text[n] = 0;
    total += atoll(text);
  }
  closedir(dir);
  return total;
}

static void record_latency(uint64_t ns) {
  uint64_t us = (ns + 500) / 1000;
  histogram[us > HISTOGRAM_BUCKETS ? HISTOGRAM_BUCKETS : us]++;
  histogram_count++;
}

static long percentile(double q) {
  if (histogram_count == 0) return -1;
  uint64_t rank = (uint64_t)(q * (double)histogram_count + 0.999999);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (long us = 0; us <= HISTOGRAM_BUCKETS; us++) {
    seen += histogram[us];
    if (seen >= rank) return us;
  }
  return HISTOGRAM_BUCKETS;
}

/* The client frame: FIN + binary, MASK bit, length, a fixed mask key, the masked payload. */
static void build_frames(void) {
  static const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  payload = malloc(options.payload ? options.payload : 1);
  frame = malloc(options.payload + 14);
  if (payload == NULL || frame == NULL) die("out of memory");
  uint32_t seed = 2463534242u;
  for (size_t i = 0; i < options.payload; i++) {
    seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
    payload[i] = (unsigned char)seed;
  }
  size_t h = 0;
  frame[h++] = 0x82;
  if (options.payload < 126) {
    frame[h++] = 0x80 | (unsigned char)options.payload;
    echo_header = 2;
  } else if (options.payload <= 0xffff) {
    frame[h++] = 0x80 | 126;
    frame[h++] = (unsigned char)(options.payload >> 8);
    frame[h++] = (unsigned char)options.payload;
    echo_header = 4;
  } else {
    frame[h++] = 0x80 | 127;
    for (int shift = 56; shift >= 0; shift -= 8) frame[h++] = (unsigned char)(options.payload >> shift);
    echo_header = 10;
  }
  memcpy(frame + h, mask, 4);
  h += 4;
  for (size_t i = 0; i < options.payload; i++) frame[h + i] = payload[i] ^ mask[i & 3];
  frame_length = h + options.payload;
  echo_length = echo_header + options.payload;
  if (options.tcp) {
    /* The raw TCP echo sends the client's own bytes back. */
    echo_header = frame_length - options.payload;
    echo_length = frame_length;
  }
}

/* Blocking connect and handshake (bounded by socket timeouts), then non-blocking. */
static int open_connection_to(const char *path);
static int open_connection(void) { return open_connection_to(options.path); }
static int open_connection_to(const char *path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("socket");
  struct timeval timeout = {HANDSHAKE_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)options.port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) fail("connect");
  if (!options.tcp) {
    char request[512];
    int length = snprintf(request, sizeof request,
                          "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: " KEY "\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n",
                          path, options.port);
    if (write(fd, request, (size_t)length) != length) fail("writing the upgrade request");
    /* Read byte by byte up to the blank line, so that no frame byte is taken with the head. */
    char head[4096];
    size_t have = 0;
    while (have < 4 || memcmp(head + have - 4, "\r\n\r\n", 4) != 0) {
      if (have == sizeof head - 1) die("response head too long");
      ssize_t n = read(fd, head + have, 1);
      if (n <= 0) fail("reading the upgrade response");
      have++;
    }
    head[have] = 0;
    if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
      fprintf(stderr, "echo-load: expected 101, got: %.200s\n", head);
      exit(2);
    }
    if (strcasestr(head, "\r\nSec-WebSocket-Accept: " ACCEPT "\r\n") == NULL) {
      fprintf(stderr, "echo-load: wrong or missing Sec-WebSocket-Accept in: %.400s\n", head);
      exit(2);
    }
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static void drop(int epoll, struct connection *c, const char *why) {
  note_error(why);
  epoll_ctl(epoll, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->alive = 0;
}

/* Write (the rest of) the frame; EPOLLOUT only while a write is partial. */
static void send_frame(int epoll, struct connection *c, uint64_t now) {
  if (c->written == 0) c->sent_ns = now;
  while (c->written < frame_length) {
    ssize_t n = write(c->fd, frame + c->written, frame_length - c->written);
    if (n > 0) {
      c->written += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
      epoll_ctl(epoll, EPOLL_CTL_MOD, c->fd, &event);
      return;
    }
    drop(epoll, c, "write failed");
    return;
  }
}

/* The server's frame header: unmasked, and the length of the payload sent (RFC 6455 §5.2). */
static int header_matches(const unsigned char *in) {
  if ((in[1] & 0x80) != 0) return 0;
  uint64_t length = in[1] & 0x7f;
  if (echo_header == 4) {
    if (length != 126) return 0;
    length = (uint64_t)in[2] << 8 | in[3];
  } else if (echo_header == 10) {
    if (length != 127) return 0;
    length = 0;
    for (int i = 2; i < 10; i++) length = length << 8 | in[i];
  }
  return length == options.payload;
}

static int parse_arguments(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *name = argv[i];
    if (strcmp(name, "--tcp") == 0) {
      options.tcp = 1;
      continue;
    }
    if (strcmp(name, "--broadcast") == 0) {
      options.broadcast = 1;
      continue;
    }
    if (i + 1 >= argc) return 0;
    const char *value = argv[++i];
    if (strcmp(name, "--port") == 0) options.port = atoi(value);
    else if (strcmp(name, "--connections") == 0) options.connections = atoi(value);
    else if (strcmp(name, "--payload") == 0) options.payload = (size_t)atol(value);
    else if (strcmp(name, "--warmup-ms") == 0) options.warmup_ms = atol(value);
    else if (strcmp(name, "--duration-ms") == 0) options.duration_ms = atol(value);
    else if (strcmp(name, "--pid") == 0) options.server_pid = atoi(value);
    else if (strcmp(name, "--path") == 0) options.path = value;
    else if (strcmp(name, "--window") == 0) options.window = atoi(value);
    else return 0;
  }
  return options.port > 0 && options.port < 65536 && options.connections > 0 &&
         options.payload <= (1u << 24) && options.warmup_ms >= 0 && options.duration_ms > 0 &&
         strlen(options.path) < 256 && options.window > 0 && options.window < 65536 &&
         (!options.broadcast || (options.payload >= 16 && options.payload <= 60000));
}

#include "broadcast-load.h"


int main(int argc, char **argv) {
  if (!parse_arguments(argc, argv)) {
    fprintf(stderr,
            "usage: echo-load --port P [--connections N] [--payload BYTES] [--warmup-ms MS]\n"
            "                 [--duration-ms MS] [--pid SERVER_PID] [--path /echo] [--tcp]\n"
            "                 [--broadcast [--window W]]\n");
    return 1;
  }
  if (options.broadcast) return run_broadcast();
  /* Never outlive the run by much, whatever the server does. */
  alarm((unsigned)((options.warmup_ms + options.duration_ms) / 1000 + 30));
  signal(SIGPIPE, SIG_IGN);
  build_frames();

  int epoll = epoll_create1(0);
  if (epoll < 0) fail("epoll_create1");
  struct connection *connections = calloc((size_t)options.connections, sizeof *connections);
  if (connections == NULL) die("out of memory");
  for (int i = 0; i < options.connections; i++) {
    struct connection *c = &connections[i];
    c->fd = open_connection();
    c->alive = 1;
    c->in = malloc(echo_length);
    if (c->in == NULL) die("out of memory");
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, c->fd, &event) != 0) fail("epoll_ctl");
  }

  uint64_t start = now_ns();
  int alive = 0;
  for (int i = 0; i < options.connections; i++) {
    send_frame(epoll, &connections[i], start);
    alive += connections[i].alive;
  }

  const uint64_t window_start = start + (uint64_t)options.warmup_ms * 1000000u;
  const uint64_t window_end = window_start + (uint64_t)options.duration_ms * 1000000u;
  int in_window = 0;
  uint64_t total = 0, at_window_start = 0, window_started_ns = 0, window_ended_ns = 0;
  double cpu_at_start = 0, cpu_in_window = 0, user_at_start = 0, user_in_window = 0;
  long long server_at_start = 0, server_in_window = 0;
  long long sched_at_start = 0, sched_in_window = -1;
  struct epoll_event events[MAX_EVENTS];

  for (;;) {
    uint64_t now = now_ns();
    if (!in_window && now >= window_start) {
      in_window = 1;
      at_window_start = total;
      window_started_ns = now;
      cpu_at_start = cpu_seconds(&user_at_start);
      server_at_start = server_ticks();
      sched_at_start = server_sched_ns();
    }
    if (in_window && now >= window_end) {
      window_ended_ns = now;
      double user_now;
      cpu_in_window = cpu_seconds(&user_now) - cpu_at_start;
      user_in_window = user_now - user_at_start;
      long long server_now = server_ticks();
      server_in_window = server_at_start < 0 || server_now < 0 ? -1 : server_now - server_at_start;
      long long sched_now = server_sched_ns();
      sched_in_window = sched_at_start < 0 || sched_now < 0 ? -1 : sched_now - sched_at_start;
      break;
    }
    if (alive == 0) {
      window_ended_ns = now;
      break;
    }
    uint64_t next = in_window ? window_end : window_start;
    int timeout_ms = (int)((next - now + 999999) / 1000000);
    int count = epoll_wait(epoll, events, MAX_EVENTS, timeout_ms);
    if (count < 0) {
      if (errno == EINTR) continue;
      fail("epoll_wait");
    }
    for (int e = 0; e < count; e++) {
      struct connection *c = events[e].data.ptr;
      if (!c->alive) continue;
      if (events[e].events & EPOLLOUT) {
        send_frame(epoll, c, now_ns());
        if (!c->alive) {
          alive--;
          continue;
        }
        if (c->written == frame_length) {
          struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(epoll, EPOLL_CTL_MOD, c->fd, &event);
        }
      }
      if (!(events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
      ssize_t n = read(c->fd, c->in + c->have, echo_length - c->have);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        drop(epoll, c, n == 0 ? "the server closed a connection" : "read failed");
        alive--;
        continue;
      }
      c->have += (size_t)n;
      /* Fail fast on any other frame (a close, a ping): it would never fill the buffer. */
      if (!options.tcp && c->in[0] != 0x82) {
        drop(epoll, c, "unexpected frame (not a final binary frame)");
        alive--;
        continue;
      }
      if (c->have < echo_length) continue;
      /* A whole frame: an unmasked final binary frame of exactly the payload sent. */
      const unsigned char *in = c->in;
      int header_ok = options.tcp || header_matches(in);
      const unsigned char *expected = options.tcp ? frame : payload;
      size_t offset = options.tcp ? 0 : echo_header;
      if (!header_ok || memcmp(in + offset, expected, echo_length - offset) != 0) {
        drop(epoll, c, "unexpected frame (not the binary echo of the message sent)");
        alive--;
        continue;
      }
      uint64_t done = now_ns();
      total++;
      if (in_window) record_latency(done - c->sent_ns);
      c->have = 0;
      c->written = 0;
      send_frame(epoll, c, done);
      if (!c->alive) alive--;
    }
  }

  uint64_t messages = in_window ? total - at_window_start : 0;
  double seconds = in_window ? (double)(window_ended_ns - window_started_ns) / 1e9 : 0;
  double tick = 1.0 / (double)sysconf(_SC_CLK_TCK);
  double server_seconds = server_in_window < 0 ? -1 : (double)server_in_window * tick;
  printf("{\"connections\":%d,\"payloadBytes\":%zu,\"seconds\":%.4f,\"messages\":%llu,"
         "\"messagesPerSecond\":%.1f,\"p50Us\":%ld,\"p99Us\":%ld,\"errors\":%ld,",
         options.connections, options.payload, seconds, (unsigned long long)messages,
         seconds > 0 ? (double)messages / seconds : 0, percentile(0.5), percentile(0.99), errors);
  if (errors > 0) printf("\"firstError\":\"%s\",", first_error);
  printf("\"clientCpuSeconds\":%.4f,\"clientUserCpuSeconds\":%.4f,\"clientCpuLoad\":%.4f,",
         cpu_in_window, user_in_window, seconds > 0 ? cpu_in_window / seconds : 0);
  if (options.server_pid > 0 && server_seconds >= 0 && messages > 0) {
    printf("\"serverCpuSeconds\":%.4f,\"serverCpuLoad\":%.4f,\"serverCpuUsPerMessage\":%.3f,",
           server_seconds, server_seconds / seconds, server_seconds * 1e6 / (double)messages);
  }
  if (options.server_pid > 0 && sched_in_window >= 0 && messages > 0) {
    printf("\"serverSchedCpuSeconds\":%.6f,\"serverSchedCpuUsPerMessage\":%.3f,",
           (double)sched_in_window / 1e9, (double)sched_in_window / 1e3 / (double)messages);
  }
  printf("\"totalMessages\":%llu}\n", (unsigned long long)total);
  fflush(stdout);
  for (int i = 0; i < options.connections; i++)
    if (connections[i].alive) close(connections[i].fd);
  return 0;
}
