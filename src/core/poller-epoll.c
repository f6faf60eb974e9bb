/* poller-epoll.c - the epoll backend of poller.h.
 *
 * epoll keeps one registration per fd with a combined IN|OUT mask, level-triggered by
 * default, which is exactly the interface's model: each call is one epoll_ctl.
 */
#include "core/internal.h"
#include "core/poller.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define WAIT_MAX 256

int tick__poller_init(tick__poller_t *p) {
  p->fd = epoll_create1(EPOLL_CLOEXEC);
  return p->fd < 0 ? tick_translate_errno(errno) : 0;
}

void tick__poller_close(tick__poller_t *p) {
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
}

static int ctl(tick__poller_t *p, int op, int fd, unsigned events, uint64_t data) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = ((events & TICK__POLLER_IN) ? EPOLLIN : 0u) |
              ((events & TICK__POLLER_OUT) ? EPOLLOUT : 0u);
  ev.data.u64 = data;
  return epoll_ctl(p->fd, op, fd, &ev) == 0 ? 0 : tick_translate_errno(errno);
}

int tick__poller_add(tick__poller_t *p, int fd, unsigned events, uint64_t data) {
  return ctl(p, EPOLL_CTL_ADD, fd, events, data);
}

int tick__poller_modify(tick__poller_t *p, int fd, unsigned events, uint64_t data) {
  return ctl(p, EPOLL_CTL_MOD, fd, events, data);
}

int tick__poller_remove(tick__poller_t *p, int fd) {
  return epoll_ctl(p->fd, EPOLL_CTL_DEL, fd, NULL) == 0 ? 0 : tick_translate_errno(errno);
}

int tick__poller_wait(tick__poller_t *p, tick__poller_event_t *out, int max, int timeout_ms) {
  struct epoll_event events[WAIT_MAX];
  int n, i;
  if (max > WAIT_MAX) max = WAIT_MAX;
  n = epoll_wait(p->fd, events, max, timeout_ms);
  for (i = 0; i < n; i++) {
    uint32_t e = events[i].events;
    out[i].data = events[i].data.u64;
    out[i].events = ((e & (EPOLLIN | EPOLLPRI)) ? TICK__POLLER_IN : 0u) |
                    ((e & EPOLLOUT) ? TICK__POLLER_OUT : 0u) |
                    ((e & (EPOLLERR | EPOLLHUP)) ? TICK__POLLER_ERR : 0u);
  }
  return n < 0 ? 0 : n;
}
