/* fetch.c - concurrent HTTP/1.1 GETs, written with async functions and cancel scopes.
 *
 *   build/examples/fetch [--timeout-ms MS] [--deadline-ms MS] URL...
 *                                                     (URL: http://HOST[:PORT][/PATH])
 *
 * Fetches every URL at once, one async function each (include/tick/async-io.h), and
 * prints "STATUS BYTES URL" for each response as it completes (BYTES: the body's length).
 * A request that fails - a bad URL, a name that does not resolve, a refused connection,
 * no complete answer within --timeout-ms (default 10000; 0: no limit; it covers the
 * lookup, the connect and the reads), all requests not done within --deadline-ms (default
 * 0: no limit), or a status of 400 or more - is reported on standard error as
 * "fetch: URL: ERROR" and makes the exit status 1.
 *
 * Both limits are cancel scopes (include/tick/cancel.h): the overall deadline is a scope
 * every request runs under, and each request's timeout is set on its function's own
 * scope, a child of that one. When either passes, the await that is waiting returns
 * TICK_ETIMEDOUT and the operation behind it is stopped, so the function's cleanup (the
 * close) runs at once.
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
static int64_t timeout_ms = 10000, deadline_ms;
static int failures;

/* GETs `url`; returns the HTTP status (> 0) with *body_len set, or a negative error. */
static int get(tick_async_t *co, const char *url, char *buf, size_t *body_len) {
  char host[256], request[1024];
  const char *h = url + 7, *path, *end, *blank;
  int port = 80, status, rc;
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

  if ((rc = tick_await_connect_name(co, host, port, 0, &s)) < 0) return rc;
  rc = tick_await_write(co, s, request, strlen(request));
  while (rc == 0) {
    if ((n = tick_await_read(co, s, buf + len, MAX_RESPONSE - len, 0)) <= 0) {
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
  int status = buf != NULL ? 0 : TICK_ENOMEM;
  /* The per-request timeout, on this function's own scope (a child of the overall one). */
  if (status == 0 && timeout_ms > 0)
    status = tick_scope_set_timeout(tick_async_scope(co), (uint64_t)timeout_ms);
  if (status == 0) status = get(co, url, buf, &body);
  free(buf);
  if (status < 0)
    fprintf(stderr, "fetch: %s: %s (%s)\n", url, tick_err_name(status), tick_strerror(status));
  else
    printf("%d %zu %s\n", status, body, url);
  failures += status < 0 || status >= 400;
  return 0;
}

int main(int argc, char **argv) {
  tick_async_options_t options = {0};
  tick_scope_t *all;
  int i = 1, rc;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (strcmp(argv[i], "--timeout-ms") == 0)
      timeout_ms = atoll(argv[i + 1]);
    else if (strcmp(argv[i], "--deadline-ms") == 0)
      deadline_ms = atoll(argv[i + 1]);
    else
      break;
  }
  if (i >= argc || timeout_ms < 0 || deadline_ms < 0 || strncmp(argv[i], "--", 2) == 0) {
    fprintf(stderr, "usage: %s [--timeout-ms MS] [--deadline-ms MS] URL...\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if ((rc = tick_loop_create(&loop, 0)) != 0 ||
      (rc = tick_scope_create(loop, NULL, &all)) != 0) {
    fprintf(stderr, "fetch: %s\n", tick_strerror(rc));
    return 1;
  }
  /* The overall deadline: one scope every request runs under. */
  if (deadline_ms > 0) tick_scope_set_timeout(all, (uint64_t)deadline_ms);
  options.scope = all;
  for (; i < argc; i++)
    if ((rc = tick_async_run(loop, fetch, argv[i], &options, NULL)) != 0) {
      fprintf(stderr, "fetch: %s: %s\n", argv[i], tick_strerror(rc));
      failures++;
    }
  tick_scope_release(all);
  tick_loop_run(loop, TICK_RUN_DEFAULT);
  if ((rc = tick_loop_destroy(loop)) != 0) fprintf(stderr, "fetch: %s\n", tick_strerror(rc));
  return failures > 0 || rc != 0;
}
