/* resources.c - tick_loop_walk, the "what keeps this loop alive" report, and creation
 * sites.
 *
 * The core knows no handle type of the layers above. It walks its own objects (timers,
 * immediates, fd watchers, deferred close callbacks) from the slab; the I/O handles that
 * embed a core watcher describe themselves through the watcher's `describe` hook; open
 * wakers come from the inbox; every other layer lists its records through its module's
 * `walk` hook, each record with a kind name of the layer's choosing.
 *
 * Creation sites live in a table keyed by (space, key): slab objects by their id (the
 * slab forgets an entry when the slot is released, so an id's generation makes a reused
 * slot a different key), other records by their address (their layer forgets them when
 * the record is freed). Linear probing with backward-shift deletion, half full at most.
 */
#include "core/loop.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- site table ---- */

typedef struct site_ent_s {
  uint64_t key;
  uint32_t space; /* 0: empty bucket */
  const void *site;
} site_ent_t;

struct tick__sites_s {
  site_ent_t *ents;
  uint32_t mask; /* capacity - 1, a power of two */
  uint32_t count;
};

#define SITES_INITIAL 64

static uint32_t site_hash(unsigned space, uint64_t key, uint32_t mask) {
  uint64_t h = (key ^ ((uint64_t)space << 61)) * 0x9E3779B97F4A7C15ull;
  return (uint32_t)(h >> 32) & mask;
}

static uint32_t sites_find(const struct tick__sites_s *t, unsigned space, uint64_t key) {
  uint32_t i = site_hash(space, key, t->mask);
  while (t->ents[i].space != 0 && (t->ents[i].space != space || t->ents[i].key != key))
    i = (i + 1) & t->mask;
  return i;
}

static int sites_grow(struct tick__sites_s *t) {
  struct tick__sites_s next;
  uint32_t i, cap = (t->mask + 1) * 2;
  if (cap == 0) return TICK_ENOMEM;
  next.ents = tick__calloc(cap, sizeof(*next.ents));
  if (next.ents == NULL) return TICK_ENOMEM;
  next.mask = cap - 1;
  next.count = t->count;
  for (i = 0; i <= t->mask; i++)
    if (t->ents[i].space != 0)
      next.ents[sites_find(&next, t->ents[i].space, t->ents[i].key)] = t->ents[i];
  tick__free(t->ents);
  *t = next;
  return 0;
}

static void sites_remove(struct tick__sites_s *t, unsigned space, uint64_t key) {
  uint32_t i, j;
  if (t->count == 0) return;
  i = sites_find(t, space, key);
  if (t->ents[i].space == 0) return;
  t->ents[i].space = 0;
  t->count--;
  for (j = (i + 1) & t->mask; t->ents[j].space != 0; j = (j + 1) & t->mask) {
    uint32_t home = site_hash(t->ents[j].space, t->ents[j].key, t->mask);
    if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
      t->ents[i] = t->ents[j];
      t->ents[j].space = 0;
      i = j;
    }
  }
}

void tick__sites_slot_released(struct tick__sites_s *t, uint64_t id) {
  sites_remove(t, TICK__SITE_ID, id);
}

void tick__site_note(tick_loop_t *loop, unsigned space, uint64_t key, const void *site) {
  struct tick__sites_s *t = loop->slab.sites;
  uint32_t i;
  if (t == NULL) return;
  i = sites_find(t, space, key);
  if (t->ents[i].space == 0) {
    if ((t->count + 1) * 2 > t->mask + 1) {
      if (sites_grow(t) != 0) {
        loop->obs.sites_dropped++;
        return;
      }
      i = sites_find(t, space, key);
    }
    t->ents[i].space = space;
    t->ents[i].key = key;
    t->count++;
  }
  t->ents[i].site = site;
}

void tick__site_forget(tick_loop_t *loop, unsigned space, uint64_t key) {
  if (loop->slab.sites != NULL) sites_remove(loop->slab.sites, space, key);
}

const void *tick__site_get(const tick_loop_t *loop, unsigned space, uint64_t key) {
  const struct tick__sites_s *t = loop->slab.sites;
  uint32_t i;
  if (t == NULL || t->count == 0) return NULL;
  i = sites_find(t, space, key);
  return t->ents[i].space != 0 ? t->ents[i].site : NULL;
}

int tick_loop_record_sites(tick_loop_t *loop, int on) {
  struct tick__sites_s *t;
  TICK__CHECK_LOOP(loop);
  t = loop->slab.sites;
  if (!on) {
    if (t != NULL) {
      tick__free(t->ents);
      tick__free(t);
    }
    loop->slab.sites = NULL;
    loop->obs.record_sites = 0;
    return 0;
  }
  if (t == NULL) {
    t = tick__calloc(1, sizeof(*t));
    if (t == NULL) return TICK_ENOMEM;
    t->ents = tick__calloc(SITES_INITIAL, sizeof(*t->ents));
    if (t->ents == NULL) {
      tick__free(t);
      return TICK_ENOMEM;
    }
    t->mask = SITES_INITIAL - 1;
  } else {
    memset(t->ents, 0, sizeof(*t->ents) * ((size_t)t->mask + 1));
    t->count = 0;
  }
  loop->slab.sites = t;
  loop->obs.record_sites = 1;
  loop->obs.sites_dropped = 0;
  return 0;
}

uint64_t tick_loop_sites_dropped(const tick_loop_t *loop) {
  return loop == NULL ? 0 : loop->obs.sites_dropped;
}

int tick_site_name(const void *site, char *buf, size_t size) {
  Dl_info info;
  int n;
  if (buf == NULL && size != 0) return TICK_EINVAL;
  if (site == NULL) return snprintf(buf, size, "?");
  memset(&info, 0, sizeof(info));
  if (dladdr(site, &info) == 0 || info.dli_fname == NULL)
    return snprintf(buf, size, "%p", site);
  if (info.dli_sname != NULL && info.dli_saddr != NULL)
    n = snprintf(buf, size, "%s(%s+0x%tx)", info.dli_fname, info.dli_sname,
                 (const char *)site - (const char *)info.dli_saddr);
  else
    n = snprintf(buf, size, "%s(+0x%tx)", info.dli_fname,
                 (const char *)site - (const char *)info.dli_fbase);
  return n;
}

/* ------------------------------------------------------------------- walk ---- */

typedef struct walk_s {
  tick_loop_t *loop;
  tick_walk_cb cb;
  void *arg;
  int count;
} walk_t;

static int walk_visit(void *ctx, const tick_resource_t *res) {
  walk_t *w = ctx;
  w->count++;
  return w->cb(w->loop, res, w->arg);
}

/* The core's own objects, by slot index (a slot never moves, and the bounds are read
 * again at each step, so a callback that creates or closes objects cannot derail it). */
static int walk_slab(tick_loop_t *loop, tick__visit_fn visit, void *ctx) {
  uint32_t idx;
  for (idx = 0; (idx >> TICK__CHUNK_SHIFT) < loop->slab.nchunks; idx++) {
    const tick__obj_t *o = tick__slab_at(&loop->slab, idx);
    tick_resource_t res;
    memset(&res, 0, sizeof(res));
    switch ((tick__kind_t)o->kind) {
      case TICK__TIMER:
        res.kind = "timer";
        res.flags = TICK_RESOURCE_ACTIVE;
        break;
      case TICK__IMMEDIATE:
        res.kind = "immediate";
        res.flags = TICK_RESOURCE_ACTIVE;
        break;
      case TICK__POLL:
        if (o->flags & TICK__F_INTERNAL) continue; /* its layer lists its handle */
        res.kind = o->u.poll.fd < 0 ? "close" : "poll";
        if (o->flags & TICK__F_ACTIVE) res.flags |= TICK_RESOURCE_ACTIVE;
        if (o->flags & TICK__F_CLOSING) res.flags |= TICK_RESOURCE_CLOSING;
        break;
      case TICK__IO:
        res.kind = "io";
        if (o->u.io.ptr->describe != NULL) o->u.io.ptr->describe(loop, o->u.io.ptr, &res);
        break;
      default:
        continue;
    }
    if (o->kind != TICK__IO && (o->flags & TICK__F_REF)) res.flags |= TICK_RESOURCE_REF;
    res.id = tick__obj_id(&loop->slab, idx);
    res.site = tick__site_get(loop, TICK__SITE_ID, res.id);
    if (visit(ctx, &res)) return 1;
  }
  return 0;
}

static int walk_all(tick_loop_t *loop, tick__visit_fn visit, void *ctx) {
  int i;
  if (walk_slab(loop, visit, ctx)) return 1;
  if (tick__inbox_walk(loop, visit, ctx)) return 1;
  for (i = 0; i < TICK__MODULE_MAX; i++)
    if (loop->modules[i] != NULL && loop->modules[i]->walk != NULL &&
        loop->modules[i]->walk(loop, loop->module_state[i], visit, ctx))
      return 1;
  return 0;
}

int tick_loop_walk(tick_loop_t *loop, tick_walk_cb cb, void *arg) {
  walk_t w;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL) return TICK_EINVAL;
  if (loop->obs.walking) return TICK_EBUSY;
  w.loop = loop;
  w.cb = cb;
  w.arg = arg;
  w.count = 0;
  loop->obs.walking = 1;
  walk_all(loop, walk_visit, &w);
  loop->obs.walking = 0;
  return w.count;
}

/* ----------------------------------------------------------------- report ---- */

/* Text goes to a FILE or into a buffer, snprintf-style (the length counts what did not
 * fit). */
typedef struct out_s {
  FILE *file;
  char *buf;
  size_t size, len;
  int failed;
  int alive; /* resources that keep the loop alive */
} out_t;

__attribute__((format(printf, 2, 3))) static void out_printf(out_t *o, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  if (o->file != NULL) {
    n = vfprintf(o->file, fmt, ap);
    if (n < 0) o->failed = 1;
  } else {
    n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
                  o->len < o->size ? o->size - o->len : 0, fmt, ap);
  }
  va_end(ap);
  if (n > 0) o->len += (size_t)n;
}

static int report_line(void *ctx, const tick_resource_t *res) {
  out_t *o = ctx;
  int keeps = tick_resource_keeps_alive(res);
  char site[256];
  if (keeps) o->alive++;
  out_printf(o, "  %c %-10s 0x%016llx %s%s%s", keeps ? '*' : ' ', res->kind,
             (unsigned long long)res->id,
             (res->flags & TICK_RESOURCE_ACTIVE) ? "active" : "inactive",
             (res->flags & TICK_RESOURCE_REF) ? " ref" : " unref",
             (res->flags & TICK_RESOURCE_CLOSING) ? " closing" : "");
  if (res->site != NULL) {
    tick_site_name(res->site, site, sizeof(site));
    out_printf(o, "  created at %s", site);
  }
  out_printf(o, "\n");
  return 0;
}

static void report(tick_loop_t *loop, out_t *o) {
  int was = loop->obs.walking;
  out_printf(o, "tick: live resources of loop %p ('*': keeps it alive):\n", (void *)loop);
  loop->obs.walking = 1;
  walk_all(loop, report_line, o);
  loop->obs.walking = was;
  if (loop->ticks.len != 0 || loop->microtasks.len != 0)
    out_printf(o, "  * queued: %zu next-ticks, %zu microtasks\n", loop->ticks.len,
               loop->microtasks.len);
  if (tick__inbox_pending(loop)) out_printf(o, "  * posts or completions waiting to run\n");
  if (loop->module_refs != 0)
    out_printf(o, "  * %u held by layers (pool jobs, wakers, requests in flight)\n",
               (unsigned)loop->module_refs);
  out_printf(o, "tick: %d resources keep the loop alive\n", o->alive);
}

int tick_loop_report(tick_loop_t *loop, FILE *out) {
  out_t o;
  TICK__CHECK_LOOP(loop);
  if (out == NULL) return TICK_EINVAL;
  memset(&o, 0, sizeof(o));
  o.file = out;
  report(loop, &o);
  if (o.failed || ferror(out)) return TICK_EIO;
  return o.alive;
}

int tick_loop_report_string(tick_loop_t *loop, char *buf, size_t size) {
  out_t o;
  TICK__CHECK_LOOP(loop);
  if (buf == NULL && size != 0) return TICK_EINVAL;
  memset(&o, 0, sizeof(o));
  o.buf = buf;
  o.size = size;
  if (size != 0) buf[0] = '\0';
  report(loop, &o);
  return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

void tick__stats_debug_busy(tick_loop_t *loop) {
  const char *v = getenv("TICK_DEBUG");
  if (v == NULL || v[0] == '\0' || strcmp(v, "0") == 0) return;
  fprintf(stderr, "tick: tick_loop_destroy: TICK_EBUSY, the loop is still alive\n");
  tick_loop_report(loop, stderr);
  fflush(stderr);
}
