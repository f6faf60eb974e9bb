/* timer.c - setTimeout/setInterval with Node's exact ordering.
 *
 * Node keeps one FIFO list per distinct duration and a priority queue of those lists keyed
 * by (expiry, list id); a list gets a new id each time it is rescheduled, and the whole
 * phase is gated by a single libuv timer whose due time Node recomputes after each timers
 * phase (never less than 1 ms after the loop's cached time). Orders that a busy callback
 * makes observable (which timer runs before which immediate after an overrun) depend on
 * all three, so this file reproduces them rather than an idealised (deadline, creation)
 * heap; docs/design/loop.md explains the consequences.
 *
 * Memory: lists, the heap and the duration map grow only in fallible calls (creating a
 * timer, refresh). Re-arming an interval never allocates: creating a timer always leaves
 * room for one more list than exist, and an interval only needs a new list when its own
 * list was deleted during its callback, which freed one.
 */
#include "core/loop.h"

#include <string.h>

#define GATE_NONE INT64_MAX

/* The clock never passes TICK_CLOCK_MAX (tick_loop_advance refuses to move it further; a
 * real monotonic clock is nowhere near), so the sums below (a start plus a delay, a clock
 * plus one) cannot overflow and never reach GATE_NONE. */
_Static_assert(TICK_CLOCK_MAX <= INT64_MAX - TICK_TIMEOUT_MAX - 2,
               "deadlines past the end of time must stay representable");

/* ------------------------------------------------------------- the heap ---- */

static inline int hent_less(const tick__hent_t *a, const tick__hent_t *b) {
  return a->expiry < b->expiry || (a->expiry == b->expiry && a->id < b->id);
}

static inline void heap_put(tick__timers_t *t, uint32_t pos, const tick__hent_t *e) {
  t->heap[pos] = *e;
  t->lists[e->list].heap_pos = pos;
}

static void heap_up(tick__timers_t *t, uint32_t pos) {
  tick__hent_t e = t->heap[pos];
  while (pos > 0) {
    uint32_t parent = (pos - 1) / 2;
    if (!hent_less(&e, &t->heap[parent])) break;
    heap_put(t, pos, &t->heap[parent]);
    pos = parent;
  }
  heap_put(t, pos, &e);
}

static void heap_down(tick__timers_t *t, uint32_t pos) {
  tick__hent_t e = t->heap[pos];
  for (;;) {
    uint32_t child = 2 * pos + 1;
    if (child >= t->heap_len) break;
    if (child + 1 < t->heap_len && hent_less(&t->heap[child + 1], &t->heap[child])) child++;
    if (!hent_less(&t->heap[child], &e)) break;
    heap_put(t, pos, &t->heap[child]);
    pos = child;
  }
  heap_put(t, pos, &e);
}

static void heap_remove(tick__timers_t *t, uint32_t pos) {
  tick__hent_t last = t->heap[--t->heap_len];
  if (pos == t->heap_len) return;
  heap_put(t, pos, &last);
  if (pos > 0 && hent_less(&last, &t->heap[(pos - 1) / 2]))
    heap_up(t, pos);
  else
    heap_down(t, pos);
}

/* ------------------------------------------------ the duration -> list map ---- */

/* Open addressing with linear probing. Deleted entries become tombstones rather than
 * being shifted back, so an entry never moves and a list can remember its slot: deleting a
 * list costs one store, and the tombstone is reused when the same duration comes back
 * (the usual case: an interval whose list emptied). Tombstones go at the next rehash. */
#define MAP_EMPTY 0u
#define MAP_DELETED 1u

static inline uint32_t map_home(uint32_t msecs, uint32_t mask) {
  return (uint32_t)(((uint64_t)msecs * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static uint32_t map_find(const tick__timers_t *t, uint32_t msecs) {
  uint32_t i, n;
  if (t->map == NULL) return TICK__NONE;
  /* Bounded by the table size: reserve keeps empty slots, but a lookup must never spin. */
  for (i = map_home(msecs, t->map_mask), n = 0; n <= t->map_mask; i = (i + 1) & t->map_mask, n++) {
    uint64_t e = t->map[i];
    if (e == MAP_EMPTY) return TICK__NONE;
    if ((uint32_t)(e >> 32) == msecs) return (uint32_t)e - 1;
  }
  return TICK__NONE;
}

/* Adds a duration known to be absent; the table always has an empty slot. */
static void map_put(tick__timers_t *t, uint32_t msecs, uint32_t list) {
  uint32_t i = map_home(msecs, t->map_mask);
  while (t->map[i] > MAP_DELETED) i = (i + 1) & t->map_mask;
  if (t->map[i] == MAP_EMPTY) t->map_used++;
  t->map[i] = ((uint64_t)msecs << 32) | (list + 1);
  t->map_live++;
  t->lists[list].map_slot = i;
}

static void map_del(tick__timers_t *t, uint32_t slot) {
  /* A slot followed by an empty one ends every probe through it: it can be empty too. */
  if (t->map[(slot + 1) & t->map_mask] == MAP_EMPTY) {
    t->map[slot] = MAP_EMPTY;
    t->map_used--;
  } else {
    t->map[slot] = MAP_DELETED;
  }
  t->map_live--;
}

static int map_rehash(tick__timers_t *t, uint32_t need) {
  uint32_t size = 32, i, old_size = t->map ? t->map_mask + 1 : 0;
  uint64_t *old = t->map, *map;
  while ((uint64_t)need * 2 > size) {
    if (size > UINT32_MAX / 2) return TICK_ENOMEM;
    size *= 2;
  }
  map = tick__calloc(size, sizeof(*map));
  if (map == NULL) return TICK_ENOMEM;
  t->map = map;
  t->map_mask = size - 1;
  t->map_live = t->map_used = 0;
  for (i = 0; i < old_size; i++)
    if (old[i] > MAP_DELETED) map_put(t, (uint32_t)(old[i] >> 32), (uint32_t)old[i] - 1);
  tick__free(old);
  return 0;
}

/* Makes room for `extra` more lists, so that creating them later cannot fail. */
static int timers_reserve(tick__timers_t *t, uint32_t extra) {
  uint32_t need = t->heap_len + extra;
  if (need < t->heap_len) return TICK_ENOMEM;
  if (need > t->lists_cap) {
    uint32_t cap = t->lists_cap ? t->lists_cap : 16;
    tick__tlist_t *lists;
    tick__hent_t *heap;
    while (cap < need) {
      if (cap > UINT32_MAX / 2) return TICK_ENOMEM;
      cap *= 2;
    }
    heap = tick__reallocarray(t->heap, cap, sizeof(*heap));
    if (heap == NULL) return TICK_ENOMEM;
    t->heap = heap;
    lists = tick__reallocarray(t->lists, cap, sizeof(*lists));
    if (lists == NULL) return TICK_ENOMEM; /* the heap grew; harmless */
    t->lists = lists;
    t->lists_cap = cap;
  }
  /* Rehash when live entries plus tombstones would pass half the table. */
  if (t->map == NULL || (uint64_t)(t->map_used + extra) * 2 > (uint64_t)t->map_mask + 1)
    return map_rehash(t, t->map_live + extra);
  return 0;
}

/* ------------------------------------------------------------ the lists ---- */

static uint32_t list_new(tick_loop_t *loop, uint32_t msecs, int64_t start) {
  tick__timers_t *t = &loop->timers;
  tick__hent_t e;
  uint32_t idx;
  tick__tlist_t *l;
  if (t->free_list != TICK__NONE) {
    idx = t->free_list;
    t->free_list = t->lists[idx].head;
  } else {
    idx = t->lists_used++;
    t->lists[idx].gen = 1;
  }
  l = &t->lists[idx];
  l->msecs = msecs;
  l->head = l->tail = TICK__NONE;
  e.expiry = start + msecs;
  e.id = t->next_list_id++;
  e.list = idx;
  heap_put(t, t->heap_len++, &e);
  heap_up(t, t->heap_len - 1);
  map_put(t, msecs, idx);
  /* Node: a list that expires before the scheduled one re-arms the libuv timer. */
  if (loop->timers_next_expiry > e.expiry) {
    loop->timer_gate = loop->now + msecs;
    loop->timers_next_expiry = e.expiry;
  }
  return idx;
}

static void list_delete(tick__timers_t *t, uint32_t idx) {
  tick__tlist_t *l = &t->lists[idx];
  heap_remove(t, l->heap_pos);
  map_del(t, l->map_slot);
  l->heap_pos = TICK__NONE;
  l->gen++;
  l->head = t->free_list;
  t->free_list = idx;
}

static void list_unlink(tick_loop_t *loop, uint32_t idx) {
  tick__obj_t *o = tick__slab_at(&loop->slab, idx);
  tick__tlist_t *l;
  if (o->u.timer.list == TICK__NONE) return;
  l = &loop->timers.lists[o->u.timer.list];
  if (o->prev == TICK__NONE)
    l->head = o->next;
  else
    tick__slab_at(&loop->slab, o->prev)->next = o->next;
  if (o->next == TICK__NONE)
    l->tail = o->prev;
  else
    tick__slab_at(&loop->slab, o->next)->prev = o->prev;
  o->next = o->prev = TICK__NONE;
  o->u.timer.list = TICK__NONE;
}

/* Node's insert(): appends the timer to its duration's list (created if missing), after
 * unlinking it from wherever it was. An emptied list is left for the timers phase to
 * reap, as Node does. The caller guarantees room for one new list. */
static void timer_insert(tick_loop_t *loop, uint32_t idx, int64_t start) {
  tick__obj_t *o = tick__slab_at(&loop->slab, idx);
  uint32_t msecs = o->u.timer.msecs, list;
  tick__tlist_t *l;
  o->u.timer.start = start;
  list = map_find(&loop->timers, msecs);
  if (list == TICK__NONE) list = list_new(loop, msecs, start);
  list_unlink(loop, idx);
  l = &loop->timers.lists[list];
  o->prev = l->tail;
  o->next = TICK__NONE;
  if (l->tail == TICK__NONE)
    l->head = idx;
  else
    tick__slab_at(&loop->slab, l->tail)->next = idx;
  l->tail = idx;
  o->u.timer.list = list;
}

static void timer_destroy(tick_loop_t *loop, uint32_t idx) {
  tick__obj_t *o = tick__slab_at(&loop->slab, idx);
  if (o->flags & TICK__F_REF) loop->timers.refs--;
  loop->timers.count--;
  tick__slab_release(&loop->slab, idx);
}

/* ------------------------------------------------------------ public API ---- */

static int timer_start(tick_loop_t *loop, int64_t delay, tick_timer_cb cb, void *arg,
                       tick_timer_t *id_out, int repeat) {
  uint32_t idx;
  tick__obj_t *o;
  int r;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL) return TICK_EINVAL;
  if (delay < 1) delay = 1;
  if (delay > TICK_TIMEOUT_MAX) delay = TICK_TIMEOUT_MAX;
  if (loop->timers.count == UINT32_MAX) return TICK_ENOMEM;
  /* Both reservations before any change: on failure nothing is scheduled. */
  r = tick__slab_reserve(&loop->slab);
  if (r == 0) r = timers_reserve(&loop->timers, 2);
  if (r != 0) return r;
  idx = tick__slab_take(&loop->slab);
  o = tick__slab_at(&loop->slab, idx);
  o->kind = TICK__TIMER;
  o->flags = TICK__F_REF | (repeat ? TICK__F_REPEAT : 0);
  o->u.timer.msecs = (uint32_t)delay;
  o->u.timer.list = TICK__NONE;
  o->u.timer.cb = cb;
  o->u.timer.arg = arg;
  loop->timers.count++;
  loop->timers.refs++;
  /* The clock is read at each create call (docs/semantics.md section 5). */
  timer_insert(loop, idx, tick__update_time(loop));
  if (id_out != NULL) id_out->id = tick__obj_id(&loop->slab, idx);
  return 0;
}

/* While creation sites are recorded (resources.c): out of the usual path, so that it
 * stays as it was. */
__attribute__((noinline)) static int timer_start_noting(tick_loop_t *loop, int64_t delay,
                                                        tick_timer_cb cb, void *arg,
                                                        tick_timer_t *id_out, int repeat,
                                                        const void *site) {
  tick_timer_t id;
  int r = timer_start(loop, delay, cb, arg, &id, repeat);
  if (r != 0) return r;
  tick__site_note(loop, TICK__SITE_ID, id.id, site);
  if (id_out != NULL) *id_out = id;
  return 0;
}

int tick_set_timeout(tick_loop_t *loop, int64_t delay_ms, tick_timer_cb cb, void *arg,
                     tick_timer_t *id_out) {
  if (TICK__UNLIKELY(loop != NULL && loop->obs.record_sites))
    return timer_start_noting(loop, delay_ms, cb, arg, id_out, 0, __builtin_return_address(0));
  return timer_start(loop, delay_ms, cb, arg, id_out, 0);
}

int tick_set_interval(tick_loop_t *loop, int64_t period_ms, tick_timer_cb cb, void *arg,
                      tick_timer_t *id_out) {
  if (TICK__UNLIKELY(loop != NULL && loop->obs.record_sites))
    return timer_start_noting(loop, period_ms, cb, arg, id_out, 1, __builtin_return_address(0));
  return timer_start(loop, period_ms, cb, arg, id_out, 1);
}

int tick_clear_timer(tick_loop_t *loop, tick_timer_t timer) {
  uint32_t idx, list;
  tick__obj_t *o;
  TICK__CHECK_LOOP(loop);
  o = tick__slab_lookup(&loop->slab, timer.id, TICK__TIMER, &idx);
  if (o == NULL) return 0; /* fired, cleared or null: a no-op, as in Node */
  /* Node's unenroll: a ref'd timer's emptied duration list is deleted at once. A timer
   * in a list is in its duration's current list; a running one is in none, and its
   * duration's list is looked up. */
  list = o->u.timer.list;
  list_unlink(loop, idx);
  if (o->flags & TICK__F_REF) {
    if (list == TICK__NONE) list = map_find(&loop->timers, o->u.timer.msecs);
    if (list != TICK__NONE && loop->timers.lists[list].head == TICK__NONE)
      list_delete(&loop->timers, list);
  }
  /* A running timer's slot is freed now too; the timers phase notices the new
   * generation and neither re-arms nor frees it again. */
  timer_destroy(loop, idx);
  return 0;
}

int tick_timer_unref(tick_loop_t *loop, tick_timer_t timer) {
  tick__obj_t *o;
  TICK__CHECK_LOOP(loop);
  o = tick__slab_lookup(&loop->slab, timer.id, TICK__TIMER, NULL);
  if (o == NULL) return TICK_ESTALE;
  if (o->flags & TICK__F_REF) {
    o->flags &= (uint8_t)~TICK__F_REF;
    loop->timers.refs--;
  }
  return 0;
}

int tick_timer_ref(tick_loop_t *loop, tick_timer_t timer) {
  tick__obj_t *o;
  TICK__CHECK_LOOP(loop);
  o = tick__slab_lookup(&loop->slab, timer.id, TICK__TIMER, NULL);
  if (o == NULL) return TICK_ESTALE;
  if (!(o->flags & TICK__F_REF)) {
    o->flags |= TICK__F_REF;
    loop->timers.refs++;
  }
  return 0;
}

int tick_timer_has_ref(const tick_loop_t *loop, tick_timer_t timer) {
  const tick__obj_t *o;
  TICK__CHECK_LOOP(loop);
  o = tick__slab_lookup(&loop->slab, timer.id, TICK__TIMER, NULL);
  if (o == NULL) return TICK_ESTALE;
  return (o->flags & TICK__F_REF) ? 1 : 0;
}

int tick_timer_refresh(tick_loop_t *loop, tick_timer_t timer) {
  uint32_t idx;
  int r;
  TICK__CHECK_LOOP(loop);
  if (tick__slab_lookup(&loop->slab, timer.id, TICK__TIMER, &idx) == NULL)
    return TICK_ESTALE;
  r = timers_reserve(&loop->timers, 2);
  if (r != 0) return r;
  timer_insert(loop, idx, tick__update_time(loop));
  return 0;
}

/* ------------------------------------------------------- the timers phase ---- */

int64_t tick__timers_next_expiry(const tick_loop_t *loop) {
  return loop->timer_gate == GATE_NONE ? -1 : loop->timer_gate;
}

/* Runs one timer taken from the head of its list (Node's listOnTimeout body). */
static void run_timer(tick_loop_t *loop, uint32_t idx) {
  tick__obj_t *o = tick__slab_at(&loop->slab, idx);
  uint32_t gen = o->gen;
  int64_t start = 0;
  tick_timer_t id;
  list_unlink(loop, idx);
  o->flags |= TICK__F_RUNNING;
  if (o->flags & TICK__F_REPEAT) start = tick__update_time(loop);
  id.id = tick__obj_id(&loop->slab, idx);
  loop->obs.timer_cbs++;
  loop->depth++;
  o->u.timer.cb(loop, id, o->u.timer.arg);
  loop->depth--;
  o = tick__slab_at(&loop->slab, idx);
  if (o->gen != gen || o->kind != TICK__TIMER) return; /* cleared by its callback */
  o->flags &= (uint8_t)~TICK__F_RUNNING;
  if (o->flags & TICK__F_REPEAT)
    timer_insert(loop, idx, start); /* re-armed from the moment its callback started */
  else if (o->u.timer.list == TICK__NONE)
    timer_destroy(loop, idx); /* a one-shot that was not refreshed is done */
}

/* Processes one list (Node's listOnTimeout). `gen` identifies the list record as it was
 * when picked: if it was deleted meanwhile, the list is gone. */
static void list_on_timeout(tick_loop_t *loop, uint32_t list, uint32_t gen, int64_t now) {
  tick__timers_t *t = &loop->timers;
  int ran = 0;
  for (;;) {
    uint32_t head, tgen;
    tick__obj_t *o;
    if (t->lists[list].gen != gen) return;
    head = t->lists[list].head;
    if (head == TICK__NONE) break;
    o = tick__slab_at(&loop->slab, head);
    if (now - o->u.timer.start < (int64_t)t->lists[list].msecs) {
      /* The rest of this list is not due yet: reschedule it with a new id. */
      uint32_t pos = t->lists[list].heap_pos;
      int64_t due = o->u.timer.start + t->lists[list].msecs;
      t->heap[pos].expiry = due > now + 1 ? due : now + 1;
      t->heap[pos].id = t->next_list_id++;
      heap_down(t, pos);
      return;
    }
    tgen = o->gen;
    if (ran)
      tick__drain(loop);
    else
      ran = 1;
    o = tick__slab_at(&loop->slab, head);
    if (o->gen != tgen || o->kind != TICK__TIMER) continue; /* cleared by the drain */
    run_timer(loop, head);
  }
  /* Drained: the list goes (Node: if it is still the map's list for its duration). */
  if (t->lists[list].gen == gen) list_delete(t, list);
}

/* One call of Node's processTimers, as libuv runs it when its timer is due. */
static void process_timers(tick_loop_t *loop) {
  tick__timers_t *t = &loop->timers;
  int64_t now;
  int ran = 0;
  loop->timer_gate = GATE_NONE;
  now = tick__update_time(loop);
  loop->timers_next_expiry = GATE_NONE;
  while (t->heap_len != 0) {
    uint32_t list = t->heap[0].list, gen = t->lists[list].gen;
    if (t->heap[0].expiry > now) break;
    if (ran)
      tick__drain(loop);
    else
      ran = 1;
    list_on_timeout(loop, list, gen, now);
  }
  /* Node re-arms its one libuv timer for the nearest list, at least 1 ms after the
   * loop's cached time, and stops it when no list is left. */
  if (t->heap_len != 0) {
    int64_t expiry = t->heap[0].expiry;
    loop->timers_next_expiry = expiry;
    loop->timer_gate = expiry > loop->now ? expiry : loop->now + 1;
  }
  tick__drain(loop);
}

void tick__run_timers(tick_loop_t *loop) {
  /* libuv looks at its timer heap again after each timer callback. Node re-arms its timer
   * before the closing drain, so a clock read in that drain (creating a timer) can make
   * the gate due at once: the timers run again before the loop moves on to poll. */
  while (loop->timer_gate <= loop->now) process_timers(loop);
}

void tick__timers_free(tick_loop_t *loop) {
  tick__timers_t *t = &loop->timers;
  tick__free(t->lists);
  tick__free(t->heap);
  tick__free(t->map);
  memset(t, 0, sizeof(*t));
  t->free_list = TICK__NONE;
}
