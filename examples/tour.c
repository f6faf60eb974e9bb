/* tour.c - a guided tour of tick that prints, step by step, what runs when.
 *
 * `make demo` builds and runs it. Each part of the tour is one function called from
 * main(); read the source beside the output. Lines printed from inside a callback are
 * indented under the line of the call that ran them.
 *
 * Part 1, synchronous callbacks: a callback handed to tick_for_each, tick_map,
 * tick_filter or tick_sort runs before that function returns, so the caller's very next
 * statement already sees everything the callback did.
 *
 * Part 2, asynchronous callbacks: a callback handed to the event loop (a timer, an
 * immediate, a next-tick, a microtask) never runs before the function that accepted it
 * returns. It runs later, in a precise order: Node.js's.
 *
 * Part 3, promises: a then handler is an asynchronous callback too, even on a promise
 * that is already fulfilled; chains and combinators (all) settle in the microtask turns
 * JavaScript's do.
 *
 * Part 4, I/O: a TCP server and a client on one loop (127.0.0.1). I/O callbacks run in
 * the poll phase; an immediate queued from one runs before a 0 ms timer queued there,
 * and close callbacks run last in the iteration. examples/echo-server.c and
 * examples/http-hello.c are complete servers.
 *
 * Part 5, async functions: tick_async_run runs a function synchronously up to its first
 * await; each await suspends it and the loop resumes it in a microtask, one turn after
 * what it awaited settled, so I/O reads as sequential code (include/tick/async-io.h;
 * examples/echo-server-async.c, http-hello-async.c and fetch.c are complete programs).
 */
#include "tick.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints one numbered step of the tour. */
static int tour_step_number;
static void step(const char *fmt, ...) {
  va_list ap;
  printf("%3d. ", ++tour_step_number);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

/* Prints a line from inside a callback, indented under the step that called it. */
static void inside(const char *fmt, ...) {
  va_list ap;
  printf("       | ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

/* With TICK_TRACE set, each loop of the tour writes a trace (include/tick/trace.h):
 * says where, before the loop goes. */
static void trace_note(tick_loop_t *loop) {
  const char *path = tick_trace_path(loop);
  if (path != NULL) printf("       (trace of this part: %s)\n", path);
}

/* Stops the tour on an error that should not happen. */
static void check(int r, const char *what) {
  if (r < 0) {
    fprintf(stderr, "tour: %s failed: %s\n", what, tick_strerror(r));
    exit(1);
  }
}

/* ------------------------------------------------- part 1: synchronous callbacks ---- */

/* MDN's example of a synchronous callback: the caller sets `value` to 1, hands over a
 * callback that sets it to 2, and prints it on the very next line. */
static int set_value_to_2(void *ctx, void *elem, size_t index) {
  int *value = ctx;
  (void)elem, (void)index;
  inside("callback: value = 2");
  *value = 2;
  return 0;
}

typedef struct person_s {
  const char *name;
  int age;
} person_t;

static int print_person(void *ctx, void *elem, size_t index) {
  const person_t *p = elem;
  (void)ctx;
  inside("for_each  [%zu] %s, %d", index, p->name, p->age);
  return 0;
}

static int age_next_year(void *ctx, const void *in, void *out, size_t index) {
  const person_t *p = in;
  (void)ctx;
  *(int *)out = p->age + 1;
  inside("map       [%zu] %s: %d -> %d", index, p->name, p->age, *(int *)out);
  return 0;
}

static int is_adult(void *ctx, const void *elem, size_t index) {
  const person_t *p = elem;
  (void)ctx;
  inside("filter    [%zu] %s is %s", index, p->name, p->age >= 18 ? "kept" : "dropped");
  return p->age >= 18;
}

static int by_age(void *ctx, const void *a, const void *b) {
  int x = ((const person_t *)a)->age, y = ((const person_t *)b)->age;
  (*(int *)ctx)++;
  return (x > y) - (x < y);
}

/* A callback that refuses the element at index 2: the algorithm stops there. */
static int stop_at_2(void *ctx, void *elem, size_t index) {
  (void)ctx, (void)elem;
  if (index == 2) {
    inside("for_each  [%zu] returns TICK_ECANCELED: stop", index);
    return TICK_ECANCELED;
  }
  inside("for_each  [%zu] ok", index);
  return 0;
}

static void tour_sync(void) {
  person_t people[] = {{"Ada", 36}, {"Linus", 12}, {"Grace", 17}, {"Ken", 36}, {"Barbara", 12}};
  const size_t n = sizeof(people) / sizeof(people[0]);
  person_t adults[sizeof(people) / sizeof(people[0])];
  int ages[sizeof(people) / sizeof(people[0])];
  size_t kept, i;
  int value = 1, comparisons = 0, dummy = 0, r;

  printf("\n== Part 1: synchronous callbacks ==\n\n");
  step("value = %d; call tick_for_each with a callback that sets value = 2", value);
  check(tick_for_each(&dummy, 1, sizeof(dummy), set_value_to_2, &value), "tick_for_each");
  step("tick_for_each returned; the next statement prints value = %d", value);
  step("(a synchronous callback runs before the call returns: 2, never 1)");

  step("tick_for_each visits every element in index order, on this thread");
  check(tick_for_each(people, n, sizeof(people[0]), print_person, NULL), "tick_for_each");

  step("tick_map writes one output element per input, here the age next year");
  check(tick_map(people, n, sizeof(people[0]), ages, sizeof(ages[0]), age_next_year, NULL),
        "tick_map");
  step("tick_map returned; ages[] = {%d, %d, %d, %d, %d}", ages[0], ages[1], ages[2],
       ages[3], ages[4]);

  step("tick_filter copies the elements its callback accepts");
  check(tick_filter(people, n, sizeof(people[0]), adults, &kept, is_adult, NULL),
        "tick_filter");
  step("tick_filter returned; %zu kept: %s and %s", kept, adults[0].name, adults[1].name);

  step("a callback returns a negative code: the algorithm stops at once and returns it");
  r = tick_for_each(people, n, sizeof(people[0]), stop_at_2, NULL);
  step("tick_for_each returned %s; elements 3 and 4 were never visited", tick_err_name(r));

  step("tick_sort by age is stable: Ada stays before Ken, Linus before Barbara");
  check(tick_sort(people, n, sizeof(people[0]), by_age, &comparisons), "tick_sort");
  step("tick_sort returned after %d comparator calls, all made before it returned:",
       comparisons);
  printf("     ");
  for (i = 0; i < n; i++) printf(" %s %d%s", people[i].name, people[i].age, i + 1 < n ? "," : "\n");
}

/* ------------------------------------------------ Part 2: the event loop ---- */

static int async_value;

static void set_async_value(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  (void)arg;
  async_value = 2;
  inside("timer callback: value = 2 (now, later than the caller's next statement)");
}

static void say_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  inside("%s", (const char *)arg);
}

static void say_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  say_task(loop, arg);
}

/* A timer callback that queues one of everything, to show the order inside a phase. */
static void timer_queues_everything(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  inside("timers phase: timer A runs; it queues an immediate, a 0 ms timer, a microtask "
         "and a next-tick");
  check(tick_set_immediate(loop, say_task, "check phase: the immediate (before the new timer)",
                           NULL),
        "tick_set_immediate");
  check(tick_set_timeout(loop, 0, say_timer, "timers phase, next iteration: the 0 ms timer",
                         NULL),
        "tick_set_timeout");
  check(tick_queue_microtask(loop, say_task, "drain after timer A: the microtask, second"),
        "tick_queue_microtask");
  check(tick_next_tick(loop, say_task, "drain after timer A: the next-tick, first"),
        "tick_next_tick");
}

static void tour_loop(void) {
  tick_loop_t *loop;
  printf("\n== Part 2: asynchronous callbacks on the event loop ==\n\n");
  check(tick_loop_create(&loop, 0), "tick_loop_create");

  async_value = 1;
  step("value = %d; tick_set_timeout(loop, 0, cb) with a callback that sets value = 2",
       async_value);
  check(tick_set_timeout(loop, 0, set_async_value, NULL, NULL), "tick_set_timeout");
  step("tick_set_timeout returned; the next statement prints value = %d", async_value);
  step("(an asynchronous callback never runs before the caller's next statement)");
  step("tick_loop_run: now the loop runs the timer");
  check(tick_loop_run(loop, TICK_RUN_DEFAULT), "tick_loop_run");
  step("tick_loop_run returned; value = %d", async_value);

  step("a walk through one iteration: queue a timer (A), then a next-tick and a microtask "
       "from this 'main script'");
  check(tick_set_timeout(loop, 1, timer_queues_everything, NULL, NULL), "tick_set_timeout");
  check(tick_queue_microtask(loop, say_task, "main script's drain: the microtask, second"),
        "tick_queue_microtask");
  check(tick_next_tick(loop, say_task, "main script's drain: the next-tick, first"),
        "tick_next_tick");
  step("tick_loop_run: ticks before microtasks, then phases: timers -> poll -> check -> close");
  check(tick_loop_run(loop, TICK_RUN_DEFAULT), "tick_loop_run");
  step("the loop ran dry: tick_loop_run returned, tick_loop_destroy frees it");
  trace_note(loop);
  check(tick_loop_destroy(loop), "tick_loop_destroy");
}

/* ----------------------------------------------------- Part 3: promises ---- */

/* v => v + 1 on a small integer carried in the pointer. */
static int add_one(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                   void *arg) {
  intptr_t v = (intptr_t)tick_promise_value(settled);
  (void)loop;
  (void)arg;
  inside("then handler: %d + 1 = %d", (int)v, (int)(v + 1));
  return tick_resolver_resolve(next, (void *)(v + 1), NULL);
}

/* An immediate that resolves the promise its resolver belongs to. */
static void resolve_later(tick_loop_t *loop, void *arg) {
  tick_resolver_t *r = arg;
  (void)loop;
  inside("check phase: the immediate resolves the second promise with 100");
  check(tick_resolver_resolve(r, (void *)100, NULL), "tick_resolver_resolve");
  check(tick_resolver_release(r), "tick_resolver_release");
}

/* vs => print(vs), for the all() of the chain. */
static int print_all(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                     void *arg) {
  size_t i;
  (void)loop;
  (void)next;
  (void)arg;
  for (i = 0; i < tick_promise_count(settled); i++)
    inside("all fulfilled: item %zu = %d", i,
           (int)(intptr_t)tick_promise_value(tick_promise_item(settled, i)));
  return 0;
}

static int print_finally(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)loop;
  (void)arg;
  (void)wait;
  inside("finally: runs after all settled, whatever the outcome");
  return 0;
}

static void tour_promises(void) {
  tick_loop_t *loop;
  tick_promise_t *p, *q, *later, *in[2], *all, *done;
  tick_resolver_t *r;
  printf("\n== Part 3: promises ==\n\n");
  check(tick_loop_create(&loop, 0), "tick_loop_create");

  check(tick_promise_resolve(loop, (void *)41, NULL, &p), "tick_promise_resolve");
  step("p = Promise.resolve(41): state %s",
       tick_promise_state(p) == TICK_PROMISE_FULFILLED ? "fulfilled" : "pending");
  check(tick_promise_then(p, add_one, NULL, NULL, NULL, &q), "tick_promise_then");
  step("q = p.then(v => v + 1) returned; q is %s: a then handler never runs "
       "synchronously, even on a fulfilled promise",
       tick_promise_state(q) == TICK_PROMISE_PENDING ? "still pending" : "settled");

  check(tick_promise_create_deferred(loop, &later, &r), "tick_promise_create_deferred");
  check(tick_set_immediate(loop, resolve_later, r, NULL), "tick_set_immediate");
  step("later = a promise an immediate will resolve (its resolver is a value we hand over)");
  in[0] = q;
  in[1] = later;
  check(tick_promise_all(loop, in, 2, &all), "tick_promise_all");
  check(tick_promise_then(all, print_all, NULL, NULL, NULL, NULL), "tick_promise_then");
  check(tick_promise_finally(all, print_finally, NULL, NULL, &done), "tick_promise_finally");
  step("Promise.all([q, later]).then(print); .finally(...): nothing has run yet");

  step("tick_loop_run: the main script's drain runs the handler, the check phase the "
       "immediate, whose drain settles all, then its reactions");
  check(tick_loop_run(loop, TICK_RUN_DEFAULT), "tick_loop_run");
  step("tick_loop_run returned; release our references and destroy the loop");
  check(tick_promise_release(p), "tick_promise_release");
  check(tick_promise_release(q), "tick_promise_release");
  check(tick_promise_release(later), "tick_promise_release");
  check(tick_promise_release(all), "tick_promise_release");
  check(tick_promise_release(done), "tick_promise_release");
  trace_note(loop);
  check(tick_loop_destroy(loop), "tick_loop_destroy");
}

/* ---------------------------------------------------------------- Part 4: I/O ---- */

typedef struct tour_io_s {
  tick_stream_t listener, server_side, client;
  char buffer[64];
} tour_io_t;

static void io_closed(tick_loop_t *loop, void *arg) {
  (void)loop;
  inside("close phase: the %s is closed", (const char *)arg);
}

static void io_alloc(tick_loop_t *loop, tick_stream_t stream, size_t suggested,
                     tick_buf_t *buf, void *arg) {
  tour_io_t *io = arg;
  (void)loop;
  (void)stream;
  (void)suggested;
  *buf = tick_buf(io->buffer, sizeof(io->buffer));
}

static void io_read(tick_loop_t *loop, tick_stream_t stream, ssize_t nread,
                    const tick_buf_t *buf, void *arg) {
  tour_io_t *io = arg;
  (void)stream;
  if (nread <= 0)
    return;
  inside("poll phase: the server reads \"%.*s\"; it queues a 0 ms timer and an immediate, "
         "and closes all three streams", (int)nread, buf->base);
  check(tick_set_timeout(loop, 0, say_timer, "timers phase, next iteration: the 0 ms timer",
                         NULL),
        "tick_set_timeout");
  check(tick_set_immediate(loop, say_task,
                           "check phase: the immediate, before the timer (queued from I/O)",
                           NULL),
        "tick_set_immediate");
  check(tick_stream_close(loop, io->server_side, io_closed, "server's connection"),
        "tick_stream_close");
  check(tick_stream_close(loop, io->client, io_closed, "client"), "tick_stream_close");
  check(tick_stream_close(loop, io->listener, io_closed, "listener"), "tick_stream_close");
}

static void io_accepted(tick_loop_t *loop, tick_stream_t listener, int status,
                        tick_stream_t client, void *arg) {
  tour_io_t *io = arg;
  (void)listener;
  check(status, "accept");
  io->server_side = client;
  check(tick_stream_read_start(loop, client, io_alloc, io_read, io), "tick_stream_read_start");
}

static void io_written(tick_loop_t *loop, tick_stream_t stream, int status, void *arg) {
  (void)loop;
  (void)stream;
  (void)arg;
  check(status, "write");
  inside("next-tick queue: the write callback (the kernel took the bytes at once)");
}

static void io_connected(tick_loop_t *loop, tick_stream_t stream, int status, void *arg) {
  static char hello[] = "hello";
  tick_buf_t buf = tick_buf(hello, 5);
  (void)arg;
  check(status, "connect");
  inside("poll phase: the client is connected and writes \"hello\"");
  check(tick_stream_write(loop, stream, &buf, 1, io_written, NULL), "tick_stream_write");
}

static void tour_io(void) {
  tick_loop_t *loop;
  tour_io_t io;
  struct sockaddr_storage address;
  printf("\n== Part 4: I/O ==\n\n");
  memset(&io, 0, sizeof(io));
  check(tick_loop_create(&loop, 0), "tick_loop_create");
  check(tick_tcp_create(loop, AF_INET, &io.listener), "tick_tcp_create");
  check(tick_tcp_bind_ip(loop, io.listener, "127.0.0.1", 0, 0), "tick_tcp_bind_ip");
  check(tick_tcp_listen(loop, io.listener, 0, io_accepted, &io), "tick_tcp_listen");
  check(tick_tcp_getsockname(loop, io.listener, &address), "tick_tcp_getsockname");
  step("a server listens on 127.0.0.1 (a port the kernel chose)");
  check(tick_tcp_create(loop, AF_INET, &io.client), "tick_tcp_create");
  check(tick_tcp_connect(loop, io.client, (struct sockaddr *)&address, 0, io_connected, NULL),
        "tick_tcp_connect");
  step("a client connects to it: tick_tcp_connect returned, nothing has happened yet");
  step("tick_loop_run: connect, accept and read complete in the poll phase");
  check(tick_loop_run(loop, TICK_RUN_DEFAULT), "tick_loop_run");
  step("every stream is closed: the loop ran dry");
  trace_note(loop);
  check(tick_loop_destroy(loop), "tick_loop_destroy");
}

/* ------------------------------------------------------- Part 5: async functions ---- */

static int tour_async_fn(tick_async_t *co, void *arg) {
  (void)arg;
  inside("the async function starts at once, synchronously, up to its first await");
  check(tick_await_value(co, (void *)"hello", NULL), "tick_await_value");
  inside("resumed one turn later, with the value \"%s\"", (const char *)tick_async_value(co));
  check(tick_await_sleep(co, 10), "tick_await_sleep");
  inside("resumed after tick_await_sleep(10): a timer, awaited as one sequential step");
  return 0;
}

static void tour_async_microtask(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  inside("the microtask queued after tick_async_run returned");
}

static void tour_async(void) {
  tick_loop_t *loop;
  printf("\n== Part 5: async functions ==\n\n");
  check(tick_loop_create(&loop, 0), "tick_loop_create");
  step("tick_async_run(fn)");
  check(tick_async_run(loop, tour_async_fn, NULL, NULL, NULL), "tick_async_run");
  step("tick_async_run returned: fn is suspended in its first await");
  check(tick_queue_microtask(loop, tour_async_microtask, NULL), "tick_queue_microtask");
  step("a microtask is queued, then tick_loop_run");
  check(tick_loop_run(loop, TICK_RUN_DEFAULT), "tick_loop_run");
  step("fn has returned: the loop ran dry");
  trace_note(loop);
  check(tick_loop_destroy(loop), "tick_loop_destroy");
}

int main(void) {
  printf("tick %s - a guided tour of when callbacks run\n", tick_version_string());
  tour_sync();
  tour_loop();
  tour_promises();
  tour_io();
  tour_async();
  return 0;
}
