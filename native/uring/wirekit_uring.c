/*
 * wirekit_uring: a TCP server transport on io_uring for Node (N-API, liburing).
 *
 * One ring per instance, driven from Node's own event loop: libuv polls the ring's file
 * descriptor (readable while completions wait), so there is no thread and no eventfd read per
 * wake-up. Each wake-up reaps every completion, hands JavaScript one batch of events through
 * shared typed arrays and one call, and then submits everything JavaScript queued meanwhile
 * with one io_uring_enter.
 *
 *   accept   one multishot accept on the listening socket
 *   receive  one multishot recv per connection, into a ring of provided buffers; JavaScript
 *            sees each received chunk as a view of the buffer memory (one ArrayBuffer) and
 *            the buffers go back to the ring after the batch's call returns
 *   send     JavaScript copies frames into an arena and queues SEND commands; the bytes are
 *            appended to the connection's send queue here and one send per connection is in
 *            flight at a time (two sends on one socket may complete out of order), the next
 *            one carrying everything queued meanwhile
 *
 * Shared memory with JavaScript (all Int32 unless said):
 *   ctl      [0] commands queued, [1] arena bytes used, [2] 1 while a batch is dispatched,
 *            [3] commands runs so far (JavaScript tells whether its arena bytes were taken)
 *   cmd      commands, 4 ints each: kind, slot, arena offset, length
 *   arena    bytes of SEND commands (Uint8)
 *   events   events, 4 ints each: kind, slot, a, b
 *   queued   per slot: bytes accepted for sending and not yet taken by the kernel
 *   buffers  the provided receive buffers (Uint8), bufferCount × bufferSize
 *
 * A slot is a connection's index; it is reused only after its CLOSED event was delivered.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

/* Operations, in the top byte of a request's user_data (slot in the low 32 bits). */
enum { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3, OP_SHUTDOWN = 4, OP_CANCEL = 5 };

/* Events for JavaScript. */
enum {
  EV_OPEN = 1,   /* slot: a new connection */
  EV_DATA = 2,   /* slot, a = buffer id, b = length */
  EV_EOF = 3,    /* slot: the peer ended its side (recv returned 0) */
  EV_ERROR = 4,  /* slot, a = -errno: the connection failed (reset, broken pipe) */
  EV_DRAIN = 5,  /* slot: the send queue is empty again (after WANT_DRAIN) */
  EV_CLOSED = 6, /* slot: the socket is closed and the slot free */
  EV_ACCEPT_ERROR = 7 /* a = -errno: accepting failed (EMFILE...); accepting resumes later */
};

/* Commands from JavaScript. */
enum {
  CMD_SEND = 1,      /* slot, offset, length: append arena bytes to the send queue */
  CMD_END = 2,       /* slot: shutdown(SHUT_WR) once the send queue is empty */
  CMD_DESTROY = 3,   /* slot: cancel everything, close, then CLOSED */
  CMD_PAUSE = 4,     /* slot: stop receiving */
  CMD_RESUME = 5,    /* slot: receive again */
  CMD_WANT_DRAIN = 6 /* slot: report DRAIN when the send queue empties */
};

enum {
  F_USED = 1 << 0,
  F_RECV = 1 << 1,     /* a multishot recv is armed */
  F_SENDING = 1 << 2,  /* a send is in flight */
  F_END = 1 << 3,      /* shutdown wanted after the queue empties */
  F_SHUT = 1 << 4,     /* shutdown submitted */
  F_DESTROY = 1 << 5,  /* being destroyed: cancel sent, closing when refs reach 0 */
  F_PAUSED = 1 << 6,
  F_WANT_DRAIN = 1 << 7,
  F_EOF = 1 << 8,      /* recv returned 0 */
  F_FAILED = 1 << 9,   /* an error was reported; nothing more is sent */
  F_LISTED = 1 << 10,  /* on the send list of this flush */
  F_REARM = 1 << 11    /* on the re-arm list */
};

typedef struct {
  char *data;
  uint32_t len;
  uint32_t cap;
} outbuf;

typedef struct {
  int fd;
  uint32_t flags;
  uint32_t refs;   /* requests in flight that name this slot */
  uint32_t sent;   /* bytes of q[active] the kernel took */
  uint8_t active;  /* q[active] is being sent; q[!active] collects what comes meanwhile */
  outbuf q[2];
} conn;

#define EVENT_INTS 4
#define CMD_INTS 4
#define MAX_DISPATCH_ROUNDS 4
/* Send queue buffers of this size come from a free list shared by every connection and go
 * back to it as soon as they are empty: an idle connection holds no send memory, and an echo
 * reuses the same few blocks. Larger queues are malloc'd and freed once empty. */
#define SEND_BLOCK 4096
/* Free blocks kept at most (8 MiB): enough for thousands of connections answering in one
 * batch, so malloc does not give the heap's top back to the kernel after every burst and
 * fault it in again (brk, page faults and zeroed pages showed in the profile with 256). */
#define MAX_FREE_BLOCKS 2048

typedef struct instance {
  napi_env env;
  struct io_uring ring;
  int ring_ok;
  uv_poll_t poll;
  uv_idle_t idle;
  int poll_started;
  int handles_open; /* libuv handles not closed yet; the struct is freed after the last */
  int disposed;
  int dispose_pending; /* dispose() was called inside a batch: done once the call returns */
  int defer_taskrun;
  int event_fd; /* with DEFER_TASKRUN: signalled when completion work is deferred */
  napi_ref callback;
  napi_ref refs_ab[6];
  napi_async_context async;

  int32_t *ctl;
  int32_t *cmd;
  uint32_t cmd_cap;
  uint8_t *arena;
  uint32_t arena_size;
  int32_t *events;
  uint32_t event_cap;
  uint32_t event_count;
  int32_t *backlog; /* events made while the array was full during a dispatch */
  uint32_t backlog_count;
  uint32_t backlog_cap;
  int32_t *queued;

  struct io_uring_buf_ring *br;
  size_t br_bytes;
  uint8_t *buffers;
  uint32_t buffer_size;
  uint32_t buffer_count;
  uint16_t group;
  uint16_t *recycle; /* buffer ids to give back after the batch */
  uint32_t recycle_count;
  uint32_t buffers_out; /* handed to JavaScript or waiting in `recycle` */

  conn *conns;
  uint32_t max_conns;
  uint32_t *free_slots;
  uint32_t free_count;
  uint32_t open_count;

  char **free_blocks;
  uint32_t free_block_count;
  uint32_t *send_list;
  uint32_t send_count;
  uint32_t *rearm_list;
  uint32_t rearm_count;

  int listen_fd;
  int accept_armed;
  int accept_paused;
  int listen_closing;

  /* Counters for tests and benchmarks. */
  uint64_t enters;
  uint64_t wakeups;
  uint64_t dispatches;
  uint64_t cqes;
  uint64_t accepted;
  uint64_t closed;
  uint64_t enobufs;
  uint64_t short_sends;
  uint64_t outbuf_bytes;
} instance;

static inline uint64_t ud(int op, uint32_t slot) { return ((uint64_t)op << 56) | slot; }
static inline int ud_op(uint64_t u) { return (int)(u >> 56); }
static inline uint32_t ud_slot(uint64_t u) { return (uint32_t)u; }

/* ------------------------------------------------------------------------------------- */
/* Submission */

static struct io_uring_sqe *sqe_get(instance *in) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(&in->ring);
  if (sqe == NULL) {
    /* The SQ is full: submit what is there to make room. */
    io_uring_submit(&in->ring);
    in->enters++;
    sqe = io_uring_get_sqe(&in->ring);
  }
  return sqe;
}

static void arm_accept(instance *in) {
  if (in->listen_fd < 0 || in->accept_armed || in->accept_paused || in->listen_closing) return;
  struct io_uring_sqe *sqe = sqe_get(in);
  if (sqe == NULL) return;
  io_uring_prep_multishot_accept(sqe, in->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, ud(OP_ACCEPT, 0));
  in->accept_armed = 1;
}

static void arm_recv(instance *in, uint32_t slot) {
  conn *c = &in->conns[slot];
  if ((c->flags & (F_RECV | F_PAUSED | F_DESTROY | F_EOF | F_FAILED)) != 0) return;
  struct io_uring_sqe *sqe = sqe_get(in);
  if (sqe == NULL) return;
  io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = in->group;
  io_uring_sqe_set_data64(sqe, ud(OP_RECV, slot));
  c->flags |= F_RECV;
  c->refs++;
}

static void submit_send(instance *in, uint32_t slot) {
  conn *c = &in->conns[slot];
  outbuf *q = &c->q[c->active];
  struct io_uring_sqe *sqe = sqe_get(in);
  if (sqe == NULL) return;
  /* MSG_WAITALL: the kernel keeps sending (waiting for room) until every byte is out, so a
   * completion short of the length means the socket failed part-way. */
  io_uring_prep_send(sqe, c->fd, q->data + c->sent, q->len - c->sent, MSG_NOSIGNAL | MSG_WAITALL);
  io_uring_sqe_set_data64(sqe, ud(OP_SEND, slot));
  c->flags |= F_SENDING;
  c->refs++;
}

/* The last send of a socket being destroyed: what is queued, as much as the socket takes now
 * (MSG_DONTWAIT: never waiting for room), before the cancel and close that follow it in the
 * same submission. */
static void submit_final_send(instance *in, uint32_t slot) {
  conn *c = &in->conns[slot];
  outbuf *q = &c->q[c->active];
  struct io_uring_sqe *sqe = sqe_get(in);
  if (sqe == NULL) return;
  io_uring_prep_send(sqe, c->fd, q->data + c->sent, q->len - c->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
  io_uring_sqe_set_data64(sqe, ud(OP_SEND, slot));
  c->flags |= F_SENDING;
  c->refs++;
}

static void submit_shutdown(instance *in, uint32_t slot) {
  conn *c = &in->conns[slot];
  struct io_uring_sqe *sqe = sqe_get(in);
  if (sqe == NULL) return;
  io_uring_prep_shutdown(sqe, c->fd, SHUT_WR);
  io_uring_sqe_set_data64(sqe, ud(OP_SHUTDOWN, slot));
  c->flags |= F_SHUT;
  c->refs++;
}

static void submit_cancel_all(instance *in, uint32_t slot) {
  conn *c = &in->conns[slot];
  struct io_uring_sqe *sqe = sqe_get(in);
  if (sqe == NULL) return;
  io_uring_prep_cancel_fd(sqe, c->fd, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, ud(OP_CANCEL, slot));
  c->refs++;
}

static void submit_cancel_recv(instance *in, uint32_t slot) {
  struct io_uring_sqe *sqe = sqe_get(in);
  if (sqe == NULL) return;
  io_uring_prep_cancel64(sqe, ud(OP_RECV, slot), 0);
  io_uring_sqe_set_data64(sqe, ud(OP_CANCEL, slot));
  in->conns[slot].refs++;
}

/* ------------------------------------------------------------------------------------- */
/* Events and slots */

static void emit(instance *in, int kind, uint32_t slot, int32_t a, int32_t b);
static void dispose(instance *in);

static void outbuf_free(instance *in, outbuf *q) {
  if (q->data != NULL) {
    in->outbuf_bytes -= q->cap;
    if (q->cap == SEND_BLOCK && in->free_blocks != NULL && in->free_block_count < MAX_FREE_BLOCKS)
      in->free_blocks[in->free_block_count++] = q->data;
    else
      free(q->data);
  }
  q->data = NULL;
  q->len = 0;
  q->cap = 0;
}

static int outbuf_append(instance *in, outbuf *q, const uint8_t *bytes, uint32_t n) {
  if (q->len + n > q->cap) {
    if (q->cap == 0 && n <= SEND_BLOCK) {
      char *block = in->free_block_count > 0 ? in->free_blocks[--in->free_block_count]
                                             : malloc(SEND_BLOCK);
      if (block == NULL) return -ENOMEM;
      in->outbuf_bytes += SEND_BLOCK;
      q->data = block;
      q->cap = SEND_BLOCK;
    } else {
      uint32_t cap = q->cap == 0 ? SEND_BLOCK : q->cap;
      while (cap < q->len + n) cap *= 2;
      char *grown = realloc(q->data, cap);
      if (grown == NULL) return -ENOMEM;
      in->outbuf_bytes += cap - q->cap;
      q->data = grown;
      q->cap = cap;
    }
  }
  memcpy(q->data + q->len, bytes, n);
  q->len += n;
  return 0;
}

static void update_queued(instance *in, uint32_t slot) {
  conn *c = &in->conns[slot];
  in->queued[slot] = (int32_t)(c->q[0].len + c->q[1].len - c->sent);
}

/* The last request naming a destroyed slot ended: close the socket, free the slot. */
static void maybe_finish(instance *in, uint32_t slot) {
  conn *c = &in->conns[slot];
  if (!(c->flags & F_DESTROY) || c->refs != 0) return;
  close(c->fd);
  outbuf_free(in, &c->q[0]);
  outbuf_free(in, &c->q[1]);
  c->fd = -1;
  c->flags = 0;
  c->sent = 0;
  c->active = 0;
  in->queued[slot] = 0;
  in->free_slots[in->free_count++] = slot;
  in->open_count--;
  in->closed++;
  emit(in, EV_CLOSED, slot, 0, 0);
  if (in->accept_paused) {
    /* A descriptor was given back: try accepting again. */
    in->accept_paused = 0;
    arm_accept(in);
  }
}

static void destroy_slot(instance *in, uint32_t slot) {
  conn *c = &in->conns[slot];
  if (!(c->flags & F_USED) || (c->flags & F_DESTROY)) return;
  c->flags |= F_DESTROY;
  if (c->refs > 0) submit_cancel_all(in, slot);
  else maybe_finish(in, slot);
}

static void fail_slot(instance *in, uint32_t slot, int err) {
  conn *c = &in->conns[slot];
  if (c->flags & (F_FAILED | F_DESTROY)) return;
  c->flags |= F_FAILED;
  emit(in, EV_ERROR, slot, err, 0);
}

/* ------------------------------------------------------------------------------------- */
/* Completions */

static void recycle_buffer(instance *in, uint16_t bid) { in->recycle[in->recycle_count++] = bid; }

static void on_accept(instance *in, struct io_uring_cqe *cqe) {
  if (!(cqe->flags & IORING_CQE_F_MORE)) in->accept_armed = 0;
  int fd = cqe->res;
  if (fd < 0) {
    if (fd == -ECANCELED || in->listen_closing) return;
    if (fd == -EMFILE || fd == -ENFILE || fd == -ENOBUFS || fd == -ENOMEM) {
      /* Out of descriptors or memory: retry once a connection closes. */
      in->accept_paused = 1;
      emit(in, EV_ACCEPT_ERROR, 0, fd, 0);
      return;
    }
    emit(in, EV_ACCEPT_ERROR, 0, fd, 0);
  } else if (in->free_count == 0 || in->listen_closing) {
    close(fd);
  } else {
    uint32_t slot = in->free_slots[--in->free_count];
    conn *c = &in->conns[slot];
    c->fd = fd;
    c->flags = F_USED;
    c->refs = 0;
    c->sent = 0;
    c->active = 0;
    in->queued[slot] = 0;
    in->open_count++;
    in->accepted++;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    arm_recv(in, slot);
    emit(in, EV_OPEN, slot, 0, 0);
  }
  if (!in->accept_armed) arm_accept(in);
}

/* Receive again after this batch (its buffers are back in the ring by then). */
static void rearm_later(instance *in, uint32_t slot) {
  conn *c = &in->conns[slot];
  if (c->flags & F_REARM) return;
  if (in->rearm_count == in->max_conns) {
    /* Cannot happen (a slot is listed once per batch); never write past the list. */
    arm_recv(in, slot);
    return;
  }
  c->flags |= F_REARM;
  in->rearm_list[in->rearm_count++] = slot;
}

static void on_recv(instance *in, struct io_uring_cqe *cqe, uint32_t slot) {
  conn *c = &in->conns[slot];
  int res = cqe->res;
  int more = (cqe->flags & IORING_CQE_F_MORE) != 0;
  if (cqe->flags & IORING_CQE_F_BUFFER) {
    uint16_t bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
    in->buffers_out++;
    if (res > 0 && !(c->flags & F_DESTROY)) emit(in, EV_DATA, slot, bid, res);
    else recycle_buffer(in, bid);
  }
  if (res == 0) {
    c->flags |= F_EOF;
    if (!(c->flags & F_DESTROY)) emit(in, EV_EOF, slot, 0, 0);
  } else if (res < 0) {
    if (res == -ENOBUFS) in->enobufs++;
    else if (res != -ECANCELED) fail_slot(in, slot, res);
  }
  if (!more) {
    c->flags &= ~F_RECV;
    c->refs--;
    /* A multishot recv also ends when the buffer ring ran dry (ENOBUFS) or for reasons of the
     * kernel's (an overflowing CQ): receive again once the buffers of this batch are back. */
    if (res > 0 || res == -ENOBUFS) rearm_later(in, slot);
    /* A pause that was lifted while its cancel was in flight. */
    if (res == -ECANCELED && !(c->flags & F_PAUSED)) rearm_later(in, slot);
    maybe_finish(in, slot);
  }
}

static void on_send(instance *in, struct io_uring_cqe *cqe, uint32_t slot) {
  conn *c = &in->conns[slot];
  int res = cqe->res;
  c->refs--;
  c->flags &= ~F_SENDING;
  if (c->flags & F_DESTROY) {
    maybe_finish(in, slot);
    return;
  }
  if (res < 0) {
    if (res != -ECANCELED) fail_slot(in, slot, res);
    outbuf_free(in, &c->q[0]);
    outbuf_free(in, &c->q[1]);
    c->sent = 0;
    update_queued(in, slot);
    return;
  }
  outbuf *q = &c->q[c->active];
  c->sent += (uint32_t)res;
  if (c->sent < q->len) {
    /* Short: the socket failed part-way or the send was interrupted; send the rest. */
    in->short_sends++;
    update_queued(in, slot);
    submit_send(in, slot);
    return;
  }
  q->len = 0;
  c->sent = 0;
  outbuf_free(in, q);
  outbuf *other = &c->q[c->active ^ 1];
  if (other->len > 0) {
    c->active ^= 1;
    update_queued(in, slot);
    submit_send(in, slot);
    return;
  }
  in->queued[slot] = 0;
  if (c->flags & F_WANT_DRAIN) {
    c->flags &= ~F_WANT_DRAIN;
    emit(in, EV_DRAIN, slot, 0, 0);
  }
  if ((c->flags & (F_END | F_SHUT)) == F_END) submit_shutdown(in, slot);
}

static void on_cqe(instance *in, struct io_uring_cqe *cqe) {
  uint64_t u = io_uring_cqe_get_data64(cqe);
  uint32_t slot = ud_slot(u);
  switch (ud_op(u)) {
    case OP_ACCEPT:
      on_accept(in, cqe);
      break;
    case OP_RECV:
      on_recv(in, cqe, slot);
      break;
    case OP_SEND:
      on_send(in, cqe, slot);
      break;
    case OP_SHUTDOWN:
    case OP_CANCEL:
      in->conns[slot].refs--;
      maybe_finish(in, slot);
      break;
    default:
      break;
  }
}

/* ------------------------------------------------------------------------------------- */
/* Commands and the batch cycle */

static void run_commands(instance *in) {
  int32_t count = in->ctl[0];
  int32_t *cmd = in->cmd;
  for (int32_t i = 0; i < count; i++, cmd += CMD_INTS) {
    uint32_t slot = (uint32_t)cmd[1];
    if (slot >= in->max_conns) continue;
    conn *c = &in->conns[slot];
    if (!(c->flags & F_USED) || (c->flags & F_DESTROY)) continue;
    switch (cmd[0]) {
      case CMD_SEND: {
        if (c->flags & (F_FAILED | F_END)) break;
        uint32_t offset = (uint32_t)cmd[2], length = (uint32_t)cmd[3];
        if ((uint64_t)offset + length > in->arena_size) break;
        outbuf *q = &c->q[(c->flags & F_SENDING) ? (c->active ^ 1) : c->active];
        if (outbuf_append(in, q, in->arena + offset, length) != 0) {
          fail_slot(in, slot, -ENOMEM);
          break;
        }
        update_queued(in, slot);
        if (!(c->flags & (F_SENDING | F_LISTED))) {
          c->flags |= F_LISTED;
          in->send_list[in->send_count++] = slot;
        }
        break;
      }
      case CMD_END:
        c->flags |= F_END;
        if (!(c->flags & (F_SENDING | F_LISTED | F_SHUT))) submit_shutdown(in, slot);
        break;
      case CMD_DESTROY:
        /* Node's destroy() after write(): libuv tries the write at once, so bytes written
         * before reach the peer when the socket has room. Here this tick's sends are still
         * queued: they go out first, in the same submission as the cancel and close. */
        if (!(c->flags & (F_SENDING | F_FAILED)) && c->q[c->active].len > c->sent)
          submit_final_send(in, slot);
        destroy_slot(in, slot);
        break;
      case CMD_PAUSE:
        c->flags |= F_PAUSED;
        if (c->flags & F_RECV) submit_cancel_recv(in, slot);
        break;
      case CMD_RESUME:
        c->flags &= ~F_PAUSED;
        arm_recv(in, slot);
        break;
      case CMD_WANT_DRAIN:
        if (in->queued[slot] == 0) emit(in, EV_DRAIN, slot, 0, 0);
        else c->flags |= F_WANT_DRAIN;
        break;
      default:
        break;
    }
  }
  in->ctl[0] = 0;
  in->ctl[1] = 0;
  in->ctl[3]++;
  /* One send per connection, carrying every command of this batch. */
  for (uint32_t i = 0; i < in->send_count; i++) {
    uint32_t slot = in->send_list[i];
    conn *c = &in->conns[slot];
    c->flags &= ~F_LISTED;
    if (c->flags & (F_DESTROY | F_FAILED)) continue;
    if (!(c->flags & F_SENDING) && c->q[c->active].len > c->sent) submit_send(in, slot);
    else if ((c->flags & (F_END | F_SHUT | F_SENDING)) == F_END) submit_shutdown(in, slot);
  }
  in->send_count = 0;
}

/* Give the batch's buffers back to the ring, then re-arm receives that ran out of them. */
static void recycle_and_rearm(instance *in) {
  uint32_t n = in->recycle_count;
  if (n > 0) {
    int mask = io_uring_buf_ring_mask(in->buffer_count);
    for (uint32_t i = 0; i < n; i++) {
      uint16_t bid = in->recycle[i];
      io_uring_buf_ring_add(in->br, in->buffers + (size_t)bid * in->buffer_size, in->buffer_size,
                            bid, mask, (int)i);
    }
    io_uring_buf_ring_advance(in->br, (int)n);
    in->buffers_out -= n;
    in->recycle_count = 0;
  }
  uint32_t r = in->rearm_count;
  in->rearm_count = 0;
  for (uint32_t i = 0; i < r; i++) {
    uint32_t slot = in->rearm_list[i];
    conn *c = &in->conns[slot];
    c->flags &= ~F_REARM;
    if (c->flags & F_USED) arm_recv(in, slot);
  }
}

static void submit_all(instance *in) {
  if (io_uring_sq_ready(&in->ring) > 0) {
    io_uring_submit(&in->ring);
    in->enters++;
  }
}

/* Call JavaScript with the events collected so far, until none is left: events that the call
 * itself causes (a command run from inside it) follow in the next call. */
static void dispatch(instance *in) {
  napi_env env = in->env;
  while (in->event_count > 0 && !in->disposed) {
    uint32_t count = in->event_count;
    in->dispatches++;
    in->ctl[2] = 1;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value fn, recv, arg, result;
    napi_get_reference_value(env, in->callback, &fn);
    napi_get_global(env, &recv);
    napi_create_uint32(env, count, &arg);
    napi_status status = napi_make_callback(env, in->async, recv, fn, 1, &arg, &result);
    if (status == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
    napi_close_handle_scope(env, scope);
    in->ctl[2] = 0;
    if (in->dispose_pending) dispose(in);
    if (in->disposed) return;
    /* Every event of the call was handled: its buffers are free again. */
    for (uint32_t i = 0; i < count; i++) {
      int32_t *e = &in->events[i * EVENT_INTS];
      if (e[0] == EV_DATA) recycle_buffer(in, (uint16_t)e[2]);
    }
    uint32_t rest = in->event_count - count;
    memmove(in->events, in->events + (size_t)count * EVENT_INTS, (size_t)rest * EVENT_INTS * 4);
    in->event_count = rest;
    uint32_t take = in->backlog_count;
    if (take > in->event_cap - rest) take = in->event_cap - rest;
    if (take > 0) {
      memcpy(in->events + (size_t)rest * EVENT_INTS, in->backlog, (size_t)take * EVENT_INTS * 4);
      memmove(in->backlog, in->backlog + (size_t)take * EVENT_INTS,
              (size_t)(in->backlog_count - take) * EVENT_INTS * 4);
      in->backlog_count -= take;
      in->event_count += take;
    }
  }
}

static void emit(instance *in, int kind, uint32_t slot, int32_t a, int32_t b) {
  if (in->event_count == in->event_cap && in->ctl[2] == 0) dispatch(in);
  int32_t *e;
  if (in->event_count < in->event_cap && in->backlog_count == 0) {
    e = &in->events[in->event_count * EVENT_INTS];
    in->event_count++;
  } else {
    /* Full while JavaScript reads the array: keep the event aside, in order. */
    if (in->backlog_count == in->backlog_cap) {
      uint32_t cap = in->backlog_cap == 0 ? 256 : in->backlog_cap * 2;
      int32_t *grown = realloc(in->backlog, (size_t)cap * EVENT_INTS * 4);
      if (grown == NULL) abort(); /* losing an event would leak its slot or buffer */
      in->backlog = grown;
      in->backlog_cap = cap;
    }
    e = &in->backlog[in->backlog_count * EVENT_INTS];
    in->backlog_count++;
  }
  e[0] = kind;
  e[1] = (int32_t)slot;
  e[2] = a;
  e[3] = b;
}

/* Reap what is there; returns how many completions. */
static unsigned reap(instance *in) {
  struct io_uring_cqe *cqe;
  unsigned head, n = 0;
  io_uring_for_each_cqe(&in->ring, head, cqe) {
    on_cqe(in, cqe);
    n++;
  }
  io_uring_cq_advance(&in->ring, n);
  in->cqes += n;
  return n;
}

/* One cycle: reap, tell JavaScript, give buffers back, run its commands, submit once. Sends
 * that complete inline are reaped by the next round, so the ring's descriptor is not left
 * readable for them alone; new completions are taken for at most MAX_DISPATCH_ROUNDS rounds,
 * then the loop gets its turn (the descriptor stays readable for what is left). */
static void cycle(instance *in) {
  if (in->defer_taskrun) {
    /* Deferred task work (received data, accepted sockets) runs only inside io_uring_enter. */
    io_uring_get_events(&in->ring);
    in->enters++;
  }
  for (int round = 0;; round++) {
    unsigned n = round < MAX_DISPATCH_ROUNDS ? reap(in) : 0;
    if (n == 0 && in->event_count == 0 && in->ctl[0] == 0 && in->recycle_count == 0 &&
        in->rearm_count == 0 && io_uring_sq_ready(&in->ring) == 0)
      break;
    dispatch(in);
    if (in->disposed) return;
    recycle_and_rearm(in);
    run_commands(in);
    if (io_uring_sq_ready(&in->ring) == 0) {
      if (n == 0 && in->event_count == 0) break;
      continue;
    }
    if (in->defer_taskrun && round + 1 < MAX_DISPATCH_ROUNDS)
      io_uring_submit_and_get_events(&in->ring);
    else
      io_uring_submit(&in->ring);
    in->enters++;
  }
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  instance *in = handle->data;
  if (in->disposed) return;
  in->wakeups++;
  if (in->event_fd >= 0) {
    /* Reset the eventfd before running the deferred work: work deferred from now on signals
     * it again. */
    uint64_t value;
    ssize_t r = read(in->event_fd, &value, sizeof value);
    (void)r;
  }
  cycle(in);
}

/* Events made outside a cycle (by commands JavaScript flushed itself) are delivered from an
 * idle callback: not from inside that JavaScript call, and without waiting for I/O. */
static void on_idle(uv_idle_t *handle) {
  instance *in = handle->data;
  uv_idle_stop(handle);
  if (in->disposed) return;
  cycle(in);
}

/* ------------------------------------------------------------------------------------- */
/* N-API */

#define CHECK(call)                                                             \
  do {                                                                          \
    if ((call) != napi_ok) {                                                    \
      napi_throw_error(env, "ERR_URING_NAPI", "wirekit_uring: " #call " failed"); \
      return NULL;                                                              \
    }                                                                           \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value msg, code, error, errnum;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, "ERR_URING_SYSCALL", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, -err, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_throw(env, error);
  return NULL;
}

static instance *get_instance(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "wirekit_uring: not a ring handle");
    return NULL;
  }
  instance *in = data;
  if (in->disposed) {
    napi_throw_error(env, "ERR_URING_DISPOSED", "wirekit_uring: the ring was disposed");
    return NULL;
  }
  return in;
}

static uint32_t get_u32(napi_env env, napi_value object, const char *name, uint32_t fallback) {
  napi_value v;
  bool has = false;
  if (napi_has_named_property(env, object, name, &has) != napi_ok || !has) return fallback;
  napi_get_named_property(env, object, name, &v);
  uint32_t out = fallback;
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_number) napi_get_value_uint32(env, v, &out);
  return out;
}

static void teardown(instance *in) {
  if (in->ring_ok) {
    /* Exiting the ring cancels whatever is in flight; the kernel lets go of every buffer. */
    io_uring_queue_exit(&in->ring);
    in->ring_ok = 0;
  }
  if (in->conns != NULL) {
    for (uint32_t i = 0; i < in->max_conns; i++) {
      conn *c = &in->conns[i];
      if (c->flags & F_USED) close(c->fd);
      outbuf_free(in, &c->q[0]);
      outbuf_free(in, &c->q[1]);
    }
  }
  if (in->listen_fd >= 0) close(in->listen_fd);
  in->listen_fd = -1;
  if (in->event_fd >= 0) close(in->event_fd);
  in->event_fd = -1;
  if (in->br != NULL) munmap(in->br, in->br_bytes);
  in->br = NULL;
  free(in->conns);
  free(in->free_slots);
  free(in->send_list);
  free(in->rearm_list);
  free(in->recycle);
  free(in->backlog);
  in->backlog = NULL;
  if (in->free_blocks != NULL)
    for (uint32_t i = 0; i < in->free_block_count; i++) free(in->free_blocks[i]);
  free(in->free_blocks);
  in->free_blocks = NULL;
  in->free_block_count = 0;
  in->conns = NULL;
  in->free_slots = in->send_list = in->rearm_list = NULL;
  in->recycle = NULL;
}

static void on_handle_closed(uv_handle_t *handle) {
  instance *in = handle->data;
  if (--in->handles_open == 0) free(in);
}

static void dispose(instance *in) {
  if (in->disposed) return;
  in->disposed = 1;
  napi_env env = in->env;
  teardown(in);
  for (int i = 0; i < 6; i++)
    if (in->refs_ab[i] != NULL) napi_delete_reference(env, in->refs_ab[i]);
  if (in->callback != NULL) napi_delete_reference(env, in->callback);
  if (in->async != NULL) napi_async_destroy(env, in->async);
  if (in->poll_started) {
    uv_poll_stop(&in->poll);
    uv_idle_stop(&in->idle);
    uv_close((uv_handle_t *)&in->poll, on_handle_closed);
    uv_close((uv_handle_t *)&in->idle, on_handle_closed);
  } else {
    free(in);
  }
}

static void cleanup_hook(void *arg) {
  instance *in = arg;
  if (in->disposed) return;
  /* At environment teardown no JavaScript may run and the loop is ending: release the
   * kernel's resources; the struct itself is reclaimed with the process. */
  in->disposed = 1;
  teardown(in);
  if (in->poll_started) {
    uv_poll_stop(&in->poll);
    uv_idle_stop(&in->idle);
    uv_close((uv_handle_t *)&in->poll, NULL);
    uv_close((uv_handle_t *)&in->idle, NULL);
  }
}

static napi_value make_array(napi_env env, instance *in, int index, size_t bytes, void **data,
                             napi_typedarray_type type, size_t element) {
  napi_value ab, view;
  if (napi_create_arraybuffer(env, bytes, data, &ab) != napi_ok) return NULL;
  if (napi_create_reference(env, ab, 1, &in->refs_ab[index]) != napi_ok) return NULL;
  if (napi_create_typedarray(env, type, bytes / element, ab, 0, &view) != napi_ok) return NULL;
  return view;
}

/* create(options, onEvents) -> { handle, ctl, cmd, arena, events, queued, buffers, ... } */
static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "create(options, onEvents)");
    return NULL;
  }
  instance *in = calloc(1, sizeof *in);
  if (in == NULL) return throw_errno(env, "calloc", ENOMEM);
  in->env = env;
  in->listen_fd = -1;
  in->event_fd = -1;
  in->max_conns = get_u32(env, argv[0], "maxConnections", 16384);
  in->buffer_size = get_u32(env, argv[0], "bufferSize", 16384);
  in->buffer_count = get_u32(env, argv[0], "bufferCount", 1024);
  uint32_t entries = get_u32(env, argv[0], "entries", 1024);
  uint32_t cq_entries = get_u32(env, argv[0], "completionEntries", 16384);
  in->arena_size = get_u32(env, argv[0], "arenaSize", 1 << 20);
  in->cmd_cap = get_u32(env, argv[0], "commandCapacity", 16384);
  in->event_cap = get_u32(env, argv[0], "eventCapacity", 8192);
  uint32_t mode = get_u32(env, argv[0], "taskrun", 2); /* 0 default, 1 defer, 2 coop */
  in->group = 1;
  if (in->buffer_count == 0 || in->buffer_count > 32768 ||
      (in->buffer_count & (in->buffer_count - 1)) != 0) {
    free(in);
    napi_throw_range_error(env, NULL, "bufferCount must be a power of two up to 32768");
    return NULL;
  }
  if (in->max_conns == 0 || in->max_conns > (1u << 24) || in->buffer_size < 512) {
    free(in);
    napi_throw_range_error(env, NULL, "maxConnections or bufferSize out of range");
    return NULL;
  }

  struct io_uring_params params;
  memset(&params, 0, sizeof params);
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
  params.cq_entries = cq_entries;
  if (mode == 1) params.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  else if (mode == 2)
    params.flags |=
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  int ret = io_uring_queue_init_params(entries, &in->ring, &params);
  if (ret == -EINVAL && mode != 0) {
    /* A kernel without these setup flags: run the completion work the default way. */
    mode = 0;
    memset(&params, 0, sizeof params);
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
    params.cq_entries = cq_entries;
    ret = io_uring_queue_init_params(entries, &in->ring, &params);
  }
  if (ret < 0) {
    free(in);
    return throw_errno(env, "io_uring_setup", -ret);
  }
  in->ring_ok = 1;
  in->defer_taskrun = mode == 1;
  if (in->defer_taskrun) {
    /* Deferred work does not make the ring's descriptor readable; it signals an eventfd. */
    in->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int err = in->event_fd < 0 ? errno : -io_uring_register_eventfd(&in->ring, in->event_fd);
    if (err != 0) {
      teardown(in);
      free(in);
      return throw_errno(env, "eventfd", err);
    }
  }

  /* The provided-buffer ring: page-aligned memory the kernel reads buffer addresses from. */
  in->br_bytes = (size_t)in->buffer_count * sizeof(struct io_uring_buf);
  void *br = mmap(NULL, in->br_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (br == MAP_FAILED) {
    int err = errno;
    teardown(in);
    free(in);
    return throw_errno(env, "mmap", err);
  }
  in->br = br;
  io_uring_buf_ring_init(in->br);
  struct io_uring_buf_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.ring_addr = (unsigned long)(uintptr_t)in->br;
  reg.ring_entries = in->buffer_count;
  reg.bgid = in->group;
  ret = io_uring_register_buf_ring(&in->ring, &reg, 0);
  if (ret < 0) {
    teardown(in);
    free(in);
    return throw_errno(env, "io_uring_register_buf_ring", -ret);
  }

  in->conns = calloc(in->max_conns, sizeof(conn));
  in->free_slots = malloc(sizeof(uint32_t) * in->max_conns);
  in->send_list = malloc(sizeof(uint32_t) * in->max_conns);
  in->rearm_list = malloc(sizeof(uint32_t) * in->max_conns);
  in->recycle = malloc(sizeof(uint16_t) * in->buffer_count);
  in->free_blocks = malloc(sizeof(char *) * MAX_FREE_BLOCKS);
  if (!in->conns || !in->free_slots || !in->send_list || !in->rearm_list || !in->recycle ||
      !in->free_blocks) {
    teardown(in);
    free(in);
    return throw_errno(env, "malloc", ENOMEM);
  }
  for (uint32_t i = 0; i < in->max_conns; i++) {
    in->conns[i].fd = -1;
    /* Lowest slots first: they are popped from the end. */
    in->free_slots[i] = in->max_conns - 1 - i;
  }
  in->free_count = in->max_conns;

  napi_value result, handle, v;
  CHECK(napi_create_object(env, &result));
  napi_value ctl = make_array(env, in, 0, 4 * sizeof(int32_t), (void **)&in->ctl,
                              napi_int32_array, 4);
  napi_value cmd = make_array(env, in, 1, (size_t)in->cmd_cap * CMD_INTS * 4, (void **)&in->cmd,
                              napi_int32_array, 4);
  napi_value arena = make_array(env, in, 2, in->arena_size, (void **)&in->arena,
                                napi_uint8_array, 1);
  napi_value events = make_array(env, in, 3, (size_t)in->event_cap * EVENT_INTS * 4,
                                 (void **)&in->events, napi_int32_array, 4);
  napi_value queued = make_array(env, in, 4, (size_t)in->max_conns * 4, (void **)&in->queued,
                                 napi_int32_array, 4);
  napi_value buffers = make_array(env, in, 5, (size_t)in->buffer_count * in->buffer_size,
                                  (void **)&in->buffers, napi_uint8_array, 1);
  if (!ctl || !cmd || !arena || !events || !queued || !buffers) {
    dispose(in);
    napi_throw_error(env, "ERR_URING_NAPI", "wirekit_uring: shared arrays");
    return NULL;
  }
  /* Every buffer starts in the ring. */
  int mask = io_uring_buf_ring_mask(in->buffer_count);
  for (uint32_t i = 0; i < in->buffer_count; i++)
    io_uring_buf_ring_add(in->br, in->buffers + (size_t)i * in->buffer_size, in->buffer_size,
                          (uint16_t)i, mask, (int)i);
  io_uring_buf_ring_advance(in->br, (int)in->buffer_count);

  CHECK(napi_create_reference(env, argv[1], 1, &in->callback));
  napi_value resource, name;
  CHECK(napi_create_object(env, &resource));
  CHECK(napi_create_string_utf8(env, "wirekit:uring", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, resource, name, &in->async));

  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &in->poll, in->event_fd >= 0 ? in->event_fd : in->ring.ring_fd) != 0) {
    dispose(in);
    return throw_errno(env, "uv_poll_init", EINVAL);
  }
  uv_idle_init(loop, &in->idle);
  in->poll.data = in;
  in->idle.data = in;
  in->handles_open = 2;
  in->poll_started = 1;
  uv_poll_start(&in->poll, UV_READABLE, on_poll);
  napi_add_env_cleanup_hook(env, cleanup_hook, in);

  CHECK(napi_create_external(env, in, NULL, NULL, &handle));
  CHECK(napi_set_named_property(env, result, "handle", handle));
  CHECK(napi_set_named_property(env, result, "ctl", ctl));
  CHECK(napi_set_named_property(env, result, "cmd", cmd));
  CHECK(napi_set_named_property(env, result, "arena", arena));
  CHECK(napi_set_named_property(env, result, "events", events));
  CHECK(napi_set_named_property(env, result, "queued", queued));
  CHECK(napi_set_named_property(env, result, "buffers", buffers));
  CHECK(napi_create_uint32(env, in->buffer_size, &v));
  CHECK(napi_set_named_property(env, result, "bufferSize", v));
  CHECK(napi_create_uint32(env, in->cmd_cap, &v));
  CHECK(napi_set_named_property(env, result, "commandCapacity", v));
  CHECK(napi_create_uint32(env, in->max_conns, &v));
  CHECK(napi_set_named_property(env, result, "maxConnections", v));
  return result;
}

/* listen(handle, address, port, backlog, ipv6) -> bound port */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  instance *in = get_instance(env, argv[0]);
  if (in == NULL) return NULL;
  if (in->listen_fd >= 0) {
    napi_throw_error(env, "ERR_URING_LISTENING", "wirekit_uring: already listening");
    return NULL;
  }
  char address[64];
  size_t length;
  uint32_t port, backlog;
  bool ipv6;
  CHECK(napi_get_value_string_utf8(env, argv[1], address, sizeof address, &length));
  CHECK(napi_get_value_uint32(env, argv[2], &port));
  CHECK(napi_get_value_uint32(env, argv[3], &backlog));
  CHECK(napi_get_value_bool(env, argv[4], &ipv6));
  struct sockaddr_storage storage;
  memset(&storage, 0, sizeof storage);
  socklen_t size;
  if (ipv6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&storage;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, address, &a->sin6_addr) != 1) return throw_errno(env, "inet_pton", EINVAL);
    size = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&storage;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &a->sin_addr) != 1) return throw_errno(env, "inet_pton", EINVAL);
    size = sizeof *a;
  }
  int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&storage, size) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  if (listen(fd, (int)backlog) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "listen", err);
  }
  size = sizeof storage;
  getsockname(fd, (struct sockaddr *)&storage, &size);
  uint16_t bound = ipv6 ? ntohs(((struct sockaddr_in6 *)&storage)->sin6_port)
                        : ntohs(((struct sockaddr_in *)&storage)->sin_port);
  in->listen_fd = fd;
  in->listen_closing = 0;
  arm_accept(in);
  submit_all(in);
  napi_value result;
  CHECK(napi_create_uint32(env, bound, &result));
  return result;
}

/* stopListening(handle): no more connections; the listening socket closes once its accept
 * request has ended. */
static napi_value js_stop_listening(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  instance *in = get_instance(env, argv[0]);
  if (in == NULL) return NULL;
  if (in->listen_fd >= 0 && !in->listen_closing) {
    in->listen_closing = 1;
    /* shutdown() ends the multishot accept at once (it completes with an error), and close()
     * then really closes the listening socket: nothing else holds it. */
    shutdown(in->listen_fd, SHUT_RDWR);
    close(in->listen_fd);
    in->listen_fd = -1;
  }
  return NULL;
}

/* flush(handle): run the queued commands and submit (outside a batch). */
static napi_value js_flush(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  instance *in = get_instance(env, argv[0]);
  if (in == NULL) return NULL;
  run_commands(in);
  /* Inside a batch the cycle submits after the call returns. */
  if (in->ctl[2] != 0) return NULL;
  submit_all(in);
  /* Events made by the commands (DRAIN for an empty queue, CLOSED of an idle slot) are
   * delivered by the next cycle: make it come. */
  if (in->event_count > 0) uv_idle_start(&in->idle, on_idle);
  return NULL;
}

/* write(handle, slot, bytes): append bytes larger than the arena to a send queue. */
static napi_value js_write(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  instance *in = get_instance(env, argv[0]);
  if (in == NULL) return NULL;
  uint32_t slot;
  CHECK(napi_get_value_uint32(env, argv[1], &slot));
  void *data;
  size_t length;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &length, &data, &ab, &offset));
  if (slot >= in->max_conns) return NULL;
  conn *c = &in->conns[slot];
  if (!(c->flags & F_USED) || (c->flags & (F_DESTROY | F_FAILED | F_END))) return NULL;
  outbuf *q = &c->q[(c->flags & F_SENDING) ? (c->active ^ 1) : c->active];
  if (outbuf_append(in, q, data, (uint32_t)length) != 0) fail_slot(in, slot, -ENOMEM);
  update_queued(in, slot);
  if (!(c->flags & (F_SENDING | F_LISTED))) {
    c->flags |= F_LISTED;
    in->send_list[in->send_count++] = slot;
  }
  return NULL;
}

/* peer(handle, slot) -> "address" of the remote end, or "" */
static napi_value js_peer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  instance *in = get_instance(env, argv[0]);
  if (in == NULL) return NULL;
  uint32_t slot;
  CHECK(napi_get_value_uint32(env, argv[1], &slot));
  char text[INET6_ADDRSTRLEN] = "";
  if (slot < in->max_conns && (in->conns[slot].flags & F_USED)) {
    struct sockaddr_storage storage;
    socklen_t size = sizeof storage;
    if (getpeername(in->conns[slot].fd, (struct sockaddr *)&storage, &size) == 0) {
      if (storage.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&storage)->sin_addr, text, sizeof text);
      else if (storage.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&storage)->sin6_addr, text, sizeof text);
    }
  }
  napi_value result;
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result));
  return result;
}

static void set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

/* stats(handle) -> counters, for tests (leaks) and benchmarks (enters per message). */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  instance *in = get_instance(env, argv[0]);
  if (in == NULL) return NULL;
  napi_value result;
  CHECK(napi_create_object(env, &result));
  set_number(env, result, "open", in->open_count);
  set_number(env, result, "freeSlots", in->free_count);
  set_number(env, result, "buffersOut", in->buffers_out);
  set_number(env, result, "bufferCount", in->buffer_count);
  set_number(env, result, "sendQueueBytes", (double)in->outbuf_bytes);
  set_number(env, result, "freeBlocks", in->free_block_count);
  set_number(env, result, "enters", (double)in->enters);
  set_number(env, result, "wakeups", (double)in->wakeups);
  set_number(env, result, "dispatches", (double)in->dispatches);
  set_number(env, result, "completions", (double)in->cqes);
  set_number(env, result, "accepted", (double)in->accepted);
  set_number(env, result, "closed", (double)in->closed);
  set_number(env, result, "enobufs", (double)in->enobufs);
  set_number(env, result, "shortSends", (double)in->short_sends);
  set_number(env, result, "listening", in->listen_fd >= 0 ? 1 : 0);
  return result;
}

/* dispose(handle): close every socket and the ring, stop polling. */
static napi_value js_dispose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data = NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) return NULL;
  instance *in = data;
  if (in->disposed) return NULL;
  napi_remove_env_cleanup_hook(env, cleanup_hook, in);
  /* Inside a batch the cycle still uses the ring: it disposes of it once the call returns. */
  if (in->ctl[2] != 0) in->dispose_pending = 1;
  else dispose(in);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", NULL, js_create, NULL, NULL, NULL, napi_default, NULL},
      {"listen", NULL, js_listen, NULL, NULL, NULL, napi_default, NULL},
      {"stopListening", NULL, js_stop_listening, NULL, NULL, NULL, napi_default, NULL},
      {"flush", NULL, js_flush, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, js_write, NULL, NULL, NULL, napi_default, NULL},
      {"peer", NULL, js_peer, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
      {"dispose", NULL, js_dispose, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
