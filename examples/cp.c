/* cp.c - copies a file with tick's promise-based file requests.
 *
 *   build/examples/cp SRC DST
 *
 * Each step is a promise whose reaction starts the next one: open SRC, open DST, then
 * read a 64 KiB chunk and write it (again until every byte of the chunk is written), until
 * a read returns 0; then close both. A rejection anywhere prints the error and stops.
 * (tick_fs_copyfile does all of this in one request with copy_file_range; this example
 * shows the chunked form.) Exit status: 0 on success, 1 on error. */
#include <tick.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#define CHUNK (64 * 1024)

typedef struct copy_s {
  tick_loop_t *loop;
  const char *src, *dst;
  int in, out;
  char *buf;
  int64_t pos;      /* offset of the chunk in both files */
  int64_t have;     /* bytes of the chunk read */
  int64_t written;  /* bytes of the chunk written */
  struct iovec iov;
  int failed;
} copy_t;

static int on_read(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                   void *arg);
static int on_written(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                      void *arg);

/* A fulfilled request's result (a rejected one went to on_fail instead). */
static const tick_fs_result_t *result_of(tick_promise_t *settled) {
  return tick_promise_value(settled);
}

/* Chains `then(ok, fail)` on a fresh request's promise. The promise is released at once:
 * the pending request keeps it alive, and the reaction still runs. */
static int chain(copy_t *c, int submit_rc, tick_promise_t **p, tick_promise_cb ok);

static int on_closed(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                     void *arg) {
  (void)loop;
  (void)settled;
  (void)next;
  (void)arg;
  return 0;
}

/* Closes what is open, each close a request of its own. */
static void close_both(copy_t *c) {
  tick_promise_t *p = NULL;
  if (c->out >= 0) chain(c, tick_fs_close_promise(c->loop, c->out, &p, NULL), &p, on_closed);
  if (c->in >= 0) chain(c, tick_fs_close_promise(c->loop, c->in, &p, NULL), &p, on_closed);
  c->in = c->out = -1;
}

static int on_fail(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                   void *arg) {
  copy_t *c = arg;
  (void)loop;
  (void)next;
  fprintf(stderr, "cp: %s\n", tick_strerror(tick_promise_error(settled)));
  c->failed = 1;
  close_both(c);
  return 0;
}

/* `p` is read only after the request was made (an argument `*p` would be read before it:
 * C leaves the order of argument evaluation unspecified). */
static int chain(copy_t *c, int submit_rc, tick_promise_t **pp, tick_promise_cb ok) {
  tick_promise_t *p = *pp;
  if (submit_rc != 0) {
    fprintf(stderr, "cp: %s\n", tick_strerror(submit_rc));
    c->failed = 1;
    return submit_rc;
  }
  submit_rc = tick_promise_then(p, ok, on_fail, c, NULL, NULL);
  tick_promise_release(p);
  return submit_rc;
}

static int read_chunk(copy_t *c) {
  tick_promise_t *p = NULL;
  c->iov.iov_base = c->buf;
  c->iov.iov_len = CHUNK;
  return chain(c, tick_fs_read_promise(c->loop, c->in, &c->iov, 1, c->pos, &p, NULL), &p,
               on_read);
}

static int write_rest(copy_t *c) {
  tick_promise_t *p = NULL;
  c->iov.iov_base = c->buf + c->written;
  c->iov.iov_len = (size_t)(c->have - c->written);
  return chain(c, tick_fs_write_promise(c->loop, c->out, &c->iov, 1, c->pos + c->written,
                                        &p, NULL),
               &p, on_written);
}

static int on_read(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                   void *arg) {
  copy_t *c = arg;
  (void)loop;
  (void)next;
  c->have = result_of(settled)->nbytes;
  c->written = 0;
  if (c->have > 0) return write_rest(c);
  close_both(c); /* end of file */
  return 0;
}

static int on_written(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                      void *arg) {
  copy_t *c = arg;
  (void)loop;
  (void)next;
  c->written += result_of(settled)->nbytes;
  if (c->written < c->have) return write_rest(c); /* a short write: the rest */
  c->pos += c->have;
  return read_chunk(c);
}

static int on_dst_open(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                       void *arg) {
  copy_t *c = arg;
  (void)loop;
  (void)next;
  c->out = result_of(settled)->fd;
  return read_chunk(c);
}

static int on_src_open(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                       void *arg) {
  copy_t *c = arg;
  tick_promise_t *p = NULL;
  (void)next;
  c->in = result_of(settled)->fd;
  return chain(c, tick_fs_open_promise(loop, c->dst, O_WRONLY | O_CREAT | O_TRUNC, 0666, &p,
                                       NULL),
               &p, on_dst_open);
}

int main(int argc, char **argv) {
  copy_t c = {0};
  tick_promise_t *p = NULL;
  int r;
  if (argc != 3) {
    fprintf(stderr, "usage: %s SRC DST\n", argv[0]);
    return 2;
  }
  c.src = argv[1];
  c.dst = argv[2];
  c.in = c.out = -1;
  /* calloc: the bytes are written by the kernel (io_uring), which memory checkers such as
   * valgrind do not see, so they must start defined. */
  c.buf = calloc(1, CHUNK);
  if (c.buf == NULL || tick_loop_create(&c.loop, 0) != 0) return 1;
  r = chain(&c, tick_fs_open_promise(c.loop, c.src, O_RDONLY, 0, &p, NULL), &p, on_src_open);
  if (r == 0) tick_loop_run(c.loop, TICK_RUN_DEFAULT);
  r = tick_loop_destroy(c.loop);
  free(c.buf);
  return c.failed || r != 0 ? 1 : 0;
}
