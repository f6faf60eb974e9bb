/* helpers.c - small helpers shared by the test files (declared in test.h). */
#include "test.h"

char logbuf[8192];

void logs(const char *s) {
  size_t len = strlen(logbuf);
  ASSERT(len + 1 + strlen(s) < sizeof(logbuf));
  if (len != 0) logbuf[len++] = ' ';
  strcpy(logbuf + len, s);
}

void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  logs(arg);
}
