/*
 * Broadcast mode of echo-load.c, included by it (it shares its options, histogram, CPU and
 * connection helpers): N subscribers on /sub, one publisher on /pub with a window of
 * `options.window` messages published but not yet delivered to every subscriber.
 *
 * A message's payload starts with its sequence number and its send time (two little-endian
 * 64-bit numbers); the rest is the fixed pseudo-random payload. Each subscriber parses the
 * server's frames from a byte stream (many frames per read), checks each is an unmasked final
 * binary frame of the payload size carrying the next sequence number, and records the
 * publish-to-arrival time. Every subscriber receives in order, so message k is delivered to
 * all when the count of subscribers holding it reaches N, and completions come in order: the
 * publisher then tops its window up, all new messages of one epoll round in one write.
 */

#define RING 65536 /* counters of subscribers per sequence number, indexed modulo RING */
#define SUBSCRIBER_BUFFER (256 * 1024)

enum { KIND_SUBSCRIBER = 1, KIND_PUBLISHER = 2 };

struct subscriber {
  int kind;
  int fd;
  int alive;
  uint64_t expected; /* sequence number of the next message */
  size_t have;       /* unparsed bytes in buf */
  unsigned char *buf;
};

struct publisher {
  int kind;
  int fd;
  int alive;
  unsigned char *out; /* frames not yet written */
  size_t out_length;
  size_t out_written;
  int want_out; /* EPOLLOUT is on */
};

static uint32_t ring[RING];
static uint64_t published, completed;
static uint64_t deliveries;
static unsigned char broadcast_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

static void put64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* Append frames until the window is full; `frame` (from build_frames) is the masked template. */
static void top_up(struct publisher *p, uint64_t now) {
  size_t header = frame_length - options.payload;
  while (published < completed + (uint64_t)options.window) {
    unsigned char *f = p->out + p->out_length;
    memcpy(f, frame, header + 16);
    unsigned char *body = f + header;
    put64(body, published);
    put64(body + 8, now);
    for (int i = 0; i < 16; i++) body[i] ^= broadcast_mask[i & 3];
    memcpy(body + 16, frame + header + 16, options.payload - 16);
    p->out_length += frame_length;
    published++;
  }
}

/* Write what is pending; EPOLLOUT only while a write is partial. */
static void flush_publisher(int epoll, struct publisher *p) {
  while (p->out_written < p->out_length) {
    ssize_t n = write(p->fd, p->out + p->out_written, p->out_length - p->out_written);
    if (n > 0) {
      p->out_written += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!p->want_out) {
        struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.ptr = p};
        epoll_ctl(epoll, EPOLL_CTL_MOD, p->fd, &event);
        p->want_out = 1;
      }
      return;
    }
    note_error("publisher write failed");
    p->alive = 0;
    return;
  }
  p->out_length = 0;
  p->out_written = 0;
  if (p->want_out) {
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = p};
    epoll_ctl(epoll, EPOLL_CTL_MOD, p->fd, &event);
    p->want_out = 0;
  }
}

/* Parse every whole frame in the subscriber's buffer; 0 on a protocol or order error. */
static int parse_deliveries(struct subscriber *s, int in_window, uint64_t now) {
  size_t at = 0;
  const size_t frame_size = echo_length; /* server frame: header + payload */
  while (s->have - at >= frame_size) {
    const unsigned char *in = s->buf + at;
    if (in[0] != 0x82 || !header_matches(in)) {
      note_error("unexpected frame (not a final binary frame of the payload size)");
      return 0;
    }
    const unsigned char *body = in + echo_header;
    uint64_t sequence = get64(body);
    if (sequence != s->expected) {
      note_error("a message arrived out of order or was lost");
      return 0;
    }
    s->expected++;
    if (in_window) record_latency(now - get64(body + 8));
    deliveries++;
    uint32_t *count = &ring[sequence & (RING - 1)];
    if (++*count == (uint32_t)options.connections) {
      *count = 0;
      completed = sequence + 1;
    }
    at += frame_size;
  }
  if (at > 0) {
    memmove(s->buf, s->buf + at, s->have - at);
    s->have -= at;
  }
  return 1;
}

static int run_broadcast(void) {
  build_frames();
  int epoll = epoll_create1(0);
  if (epoll < 0) fail("epoll_create1");
  struct subscriber *subscribers = calloc((size_t)options.connections, sizeof *subscribers);
  if (subscribers == NULL) die("out of memory");
  for (int i = 0; i < options.connections; i++) {
    struct subscriber *s = &subscribers[i];
    s->kind = KIND_SUBSCRIBER;
    s->fd = open_connection_to("/sub");
    s->alive = 1;
    s->buf = malloc(SUBSCRIBER_BUFFER);
    if (s->buf == NULL) die("out of memory");
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = s};
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, s->fd, &event) != 0) fail("epoll_ctl");
  }
  struct publisher pub = {KIND_PUBLISHER, open_connection_to("/pub"), 1, NULL, 0, 0, 0};
  pub.out = malloc((size_t)options.window * frame_length);
  if (pub.out == NULL) die("out of memory");
  struct epoll_event pub_event = {.events = EPOLLIN, .data.ptr = &pub};
  if (epoll_ctl(epoll, EPOLL_CTL_ADD, pub.fd, &pub_event) != 0) fail("epoll_ctl");
  usleep(50000); /* every subscriber's open callback has run */

  uint64_t start = now_ns();
  top_up(&pub, start);
  flush_publisher(epoll, &pub);
  const uint64_t window_start = start + (uint64_t)options.warmup_ms * 1000000u;
  const uint64_t window_end = window_start + (uint64_t)options.duration_ms * 1000000u;
  int in_window = 0, failed = 0;
  uint64_t at_window_start = 0, window_started_ns = 0, window_ended_ns = 0;
  double cpu_at_start = 0, cpu_in_window = 0, user_at_start = 0, user_in_window = 0;
  long long server_at_start = 0, server_in_window = 0;
  struct epoll_event events[MAX_EVENTS];

  while (!failed && pub.alive) {
    uint64_t now = now_ns();
    if (!in_window && now >= window_start) {
      in_window = 1;
      at_window_start = deliveries;
      window_started_ns = now;
      cpu_at_start = cpu_seconds(&user_at_start);
      server_at_start = server_ticks();
    }
    if (in_window && now >= window_end) {
      window_ended_ns = now;
      double user_now;
      cpu_in_window = cpu_seconds(&user_now) - cpu_at_start;
      user_in_window = user_now - user_at_start;
      long long server_now = server_ticks();
      server_in_window = server_at_start < 0 || server_now < 0 ? -1 : server_now - server_at_start;
      break;
    }
    uint64_t next = in_window ? window_end : window_start;
    int timeout_ms = (int)((next - now + 999999) / 1000000);
    int count = epoll_wait(epoll, events, MAX_EVENTS, timeout_ms);
    if (count < 0) {
      if (errno == EINTR) continue;
      fail("epoll_wait");
    }
    uint64_t arrived = now_ns();
    for (int e = 0; e < count && !failed; e++) {
      int kind = *(int *)events[e].data.ptr;
      if (kind == KIND_PUBLISHER) {
        if (events[e].events & EPOLLOUT) flush_publisher(epoll, &pub);
        if (events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
          note_error("the publisher received something (a close?)");
          failed = 1;
        }
        continue;
      }
      struct subscriber *s = events[e].data.ptr;
      ssize_t n = read(s->fd, s->buf + s->have, SUBSCRIBER_BUFFER - s->have);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        note_error(n == 0 ? "the server closed a subscriber" : "subscriber read failed");
        failed = 1;
        break;
      }
      s->have += (size_t)n;
      if (!parse_deliveries(s, in_window, arrived)) failed = 1;
    }
    if (pub.out_length == 0) {
      top_up(&pub, now_ns());
      flush_publisher(epoll, &pub);
    }
  }
  if (window_ended_ns == 0) window_ended_ns = now_ns();

  uint64_t counted = in_window ? deliveries - at_window_start : 0;
  double seconds = in_window ? (double)(window_ended_ns - window_started_ns) / 1e9 : 0;
  double tick = 1.0 / (double)sysconf(_SC_CLK_TCK);
  double server_seconds = server_in_window < 0 ? -1 : (double)server_in_window * tick;
  printf("{\"subscribers\":%d,\"payloadBytes\":%zu,\"window\":%d,\"seconds\":%.4f,"
         "\"deliveries\":%llu,\"deliveriesPerSecond\":%.1f,\"p50Us\":%ld,\"p99Us\":%ld,"
         "\"errors\":%ld,",
         options.connections, options.payload, options.window, seconds,
         (unsigned long long)counted, seconds > 0 ? (double)counted / seconds : 0,
         percentile(0.5), percentile(0.99), errors);
  if (errors > 0) printf("\"firstError\":\"%s\",", first_error);
  printf("\"clientCpuSeconds\":%.4f,\"clientUserCpuSeconds\":%.4f,\"clientCpuLoad\":%.4f,",
         cpu_in_window, user_in_window, seconds > 0 ? cpu_in_window / seconds : 0);
  if (options.server_pid > 0 && server_seconds >= 0 && counted > 0) {
    printf("\"serverCpuSeconds\":%.4f,\"serverCpuLoad\":%.4f,\"serverCpuUsPerDelivery\":%.4f,",
           server_seconds, server_seconds / seconds, server_seconds * 1e6 / (double)counted);
  }
  printf("\"published\":%llu,\"totalDeliveries\":%llu}\n", (unsigned long long)published,
         (unsigned long long)deliveries);
  fflush(stdout);
  for (int i = 0; i < options.connections; i++) close(subscribers[i].fd);
  close(pub.fd);
  if (failed) fprintf(stderr, "echo-load: broadcast failed: %s\n", first_error);
  return failed ? 3 : 0;
}
