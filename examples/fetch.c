/* fetch.c - concurrent HTTP/1.1 GETs, written with async functions.
 *
 *   build/examples/fetch [--timeout-ms MS] URL...        (URL: http://HOST[:PORT][/PATH])
 *
 * Fetches every URL at once, one async function each (include/tick/async-io.h), and
 * prints "STATUS BYTES URL" for each response as it completes (BYTES: the body's length).
 * A request that fails - a bad URL, a name that does not resolve, a refused connection,
 * no complete answer within --timeout-ms (default 10000; 0: no limit; it covers the
 * lookup, the connect and the reads), or a status of 400 or more - is reported on
 * standard error as "fetch: URL: ERROR" and makes the exit status 1.
 *
 * Each request sends "Connection: close" and reads until the server closes, or until
 * Content-Length bytes of body have arrived.
 */
#include "tick.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RESPONSE (1024 * 1024)

static tick_loop_t *loop;
static int64_t timeout_ms = 10000;
static int failures;

/* Milliseconds left before `deadline` (0: none), or TICK_ETIMEDOUT when it has passed. */
static int64_t left(uint64_t deadline) {
  if (deadline == 0) return 0;
  tick_loop_update_time(loop);
  return tick_loop_now(loop) < deadline ? (int64_t)(deadline - tick_loop_now(loop))
                                        : TICK_ETIMEDOUT;
}

/* GETs `url`; returns the HTTP status (> 0) with *body_len set, or a negative error. */
static int get(tick_async_t *co, const char *url, char *buf, size_t *body_len) {
  char host[256], request[1024];
  const char *h = url + 7, *path, *end, *blank;
  int port = 80, status, rc;
  int64_t ms;
  uint64_t deadline = timeout_ms > 0 ? tick_loop_now(loop) + (uint64_t)timeout_ms : 0;
  size_t len = 0, head;
  ssize_t n;
  tick_stream_t s;

  if (strncmp(url, "http://", 7) != 0) return TICK_EINVAL;
  path = h + strcspn(h, "/");
  end = memchr(h, ':', (size_t)(path - h));
  if (end != NULL) port = atoi(end + 1);
  else end = path;
  if (end == h || (size_t)(end - h) >= sizeof(host) || port <= 0 || port > 65535)
    return TICK_EINVAL;
  memcpy(host, h, (size_t)(end - h));
  host[end - h] = '\0';
  snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
           *path ? path : "/", host);

  if ((ms = left(deadline)) < 0) return (int)ms;
  if ((rc = tick_await_connect_name(co, host, port, ms, &s)) < 0) return rc;
  rc = tick_await_write(co, s, request, strlen(request));
  while (rc == 0 && (ms = left(deadline)) >= 0) {
    if ((n = tick_await_read(co, s, buf + len, MAX_RESPONSE - len, ms)) <= 0) {
      rc = (int)n; /* 0: the server closed, the response is complete */
      break;
    }
    len += (size_t)n;
    if ((blank = memmem(buf, len, "\r\n\r\n", 4)) != NULL) { /* stop at Content-Length */
      const char *cl = strcasestr(buf, "\r\nContent-Length:");
      head = (size_t)(blank + 4 - buf);
      if (cl != NULL && cl < blank && len - head >= strtoul(cl + 17, NULL, 10)) break;
    }
    if (len == MAX_RESPONSE) rc = TICK_ENOBUFS;
  }
  if (rc == 0 && ms < 0) rc = (int)ms;
  tick_stream_close(loop, s, NULL, NULL);
  if (rc < 0) return rc;
  blank = memmem(buf, len, "\r\n\r\n", 4);
  if (blank == NULL || len < 12 || strncmp(buf, "HTTP/1.", 7) != 0) return TICK_EPROTO;
  status = atoi(buf + 9);
  *body_len = len - (size_t)(blank + 4 - buf);
  return status > 0 ? status : TICK_EPROTO;
}

static int fetch(tick_async_t *co, void *arg) {
  const char *url = arg;
  char *buf = malloc(MAX_RESPONSE);
  size_t body = 0;
  int status = buf != NULL ? get(co, url, buf, &body) : TICK_ENOMEM;
  free(buf);
  if (status < 0)
    fprintf(stderr, "fetch: %s: %s (%s)\n", url, tick_err_name(status), tick_strerror(status));
  else
    printf("%d %zu %s\n", status, body, url);
  failures += status < 0 || status >= 400;
  return 0;
}

int main(int argc, char **argv) {
  int i = 1, rc;
  if (argc > 2 && strcmp(argv[1], "--timeout-ms") == 0) {
    timeout_ms = atoll(argv[2]);
    i = 3;
  }
  if (i >= argc || timeout_ms < 0) {
    fprintf(stderr, "usage: %s [--timeout-ms MS] URL...\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if ((rc = tick_loop_create(&loop, 0)) != 0) {
    fprintf(stderr, "fetch: %s\n", tick_strerror(rc));
    return 1;
  }
  for (; i < argc; i++)
    if ((rc = tick_async_run(loop, fetch, argv[i], NULL, NULL)) != 0) {
      fprintf(stderr, "fetch: %s: %s\n", argv[i], tick_strerror(rc));
      failures++;
    }
  tick_loop_run(loop, TICK_RUN_DEFAULT);
  if ((rc = tick_loop_destroy(loop)) != 0) fprintf(stderr, "fetch: %s\n", tick_strerror(rc));
  return failures > 0 || rc != 0;
}
