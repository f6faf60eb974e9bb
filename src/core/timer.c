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
 * Representation (docs/design/timers.md): the queue is a 4-ary heap whose entries cache
 * the list's expiry. A list of one timer is held by the timer itself (a "solo": the heap
 * entry names the timer's slot, which keeps the heap position and the list id), so
 * timers with distinct durations need no list record. A record (msecs, id, FIFO of
 * slots) is taken when a second timer joins a solo's list, and when a list must outlive
 * its last timer (a solo whose callback runs keeps holding its emptied list; an unref'd
 * solo's clear leaves its list behind, as Node does). A duration map finds a list by
 * duration.
 *
 * Memory: records, the heap and the duration map grow only in fallible calls (creating a
 * timer, refresh). Every record in use holds a heap entry, and a fallible call leaves room
 * for one heap entry more than exist, so there is always a free record for a solo's list
 * to move into and a free entry for an interval whose list went away during its callback:
 * no path of the timers phase or of clear allocates.
 */
#include "core/loop.h"

#include <string.h>

#define GATE_NONE INT64_MAX
#define REF_LIST TICK__TREF_LIST
#define IS_LIST(ref) (((ref) & REF_LIST) != 0)
#define LIST_IDX(ref) ((ref) & ~REF_LIST)
#define HEAP_D 4
/* Records are named by REF_LIST | index, which must stay below TICK__NONE. */
#define LISTS_CAP_MAX (1u << 30)

/* The clock never passes TICK_CLOCK_MAX (tick_loop_advance refuses to move it further; a
 * real monotonic clock is nowhere near), so the sums below (a start plus a delay, a clock
 * plus one) cannot overflow and never reach GATE_NONE. */
_Static_assert(TICK_CLOCK_MAX <= INT64_MAX - TICK_TIMEOUT_MAX - 2,
               "deadlines past the end of time must stay representable");
_Static_assert(sizeof(tick__hent_t) == 16, "a heap entry is 16 bytes: four children per line");

static inline tick__obj_t *slot_at(const tick_loop_t *loop, uint32_t idx) {
  return tick__slab_at(&loop->slab, idx);
}

/* A solo keeps its list's id in its (unused) list links. */
static inline uint64_t solo_id(const tick__obj_t *o) {
  return ((uint64_t)o->next << 32) | o->prev;
}

static inline void solo_set_id(tick__obj_t *o, uint64_t id) {
  o->next = (uint32_t)(id >> 32);
  o->prev = (uint32_t)id;
}

static inline uint64_t ref_id(const tick_loop_t *loop, uint32_t ref) {
  return IS_LIST(ref) ? loop->timers.lists[LIST_IDX(ref)].id : solo_id(slot_at(loop, ref));
}

static inline uint32_t ref_pos(const tick_loop_t *loop, uint32_t ref) {
  return IS_LIST(ref) ? loop->timers.lists[LIST_IDX(ref)].heap_pos
                      : slot_at(loop, ref)->u.timer.list;
}

static inline uint32_t ref_msecs(const tick_loop_t *loop, uint32_t ref) {
  return IS_LIST(ref) ? loop->timers.lists[LIST_IDX(ref)].msecs
                      : slot_at(loop, ref)->u.timer.msecs;
}

/* ------------------------------------------------------------- the heap ---- */

static inline int hent_less(const tick_loop_t *loop, const tick__hent_t *a,
                            const tick__hent_t *b) {
  if (a->expiry != b->expiry) return a->expiry < b->expiry;
  return ref_id(loop, a->ref) < ref_id(loop, b->ref);
}

static inline void heap_put(tick_loop_t *loop, uint32_t pos, const tick__hent_t *e) {
  loop->timers.heap[pos] = *e;
  if (IS_LIST(e->ref))
    loop->timers.lists[LIST_IDX(e->ref)].heap_pos = pos;
  else
    slot_at(loop, e->ref)->u.timer.list = pos;
}

static void heap_up(tick_loop_t *loop, uint32_t pos) {
  tick__hent_t *heap = loop->timers.heap, e = heap[pos];
  while (pos > 0) {
    uint32_t parent = (pos - 1) / HEAP_D;
    if (!hent_less(loop, &e, &heap[parent])) break;
    heap_put(loop, pos, &heap[parent]);
    pos = parent;
  }
  heap_put(loop, pos, &e);
}

static void heap_down(tick_loop_t *loop, uint32_t pos) {
  tick__hent_t *heap = loop->timers.heap, e = heap[pos];
  uint64_t len = loop->timers.heap_len;
  for (;;) {
    uint64_t first = (uint64_t)pos * HEAP_D + 1, end = first + HEAP_D, c, best;
    if (first >= len) break;
    if (end > len) end = len;
    for (best = first, c = first + 1; c < end; c++)
      if (hent_less(loop, &heap[c], &heap[best])) best = c;
    if (!hent_less(loop, &heap[best], &e)) break;
    heap_put(loop, pos, &heap[best]);
    pos = (uint32_t)best;
  }
  heap_put(loop, pos, &e);
}

static void heap_remove(tick_loop_t *loop, uint32_t pos) {
  tick__timers_t *t = &loop->timers;
  tick__hent_t last = t->heap[--t->heap_len];
  if (pos == t->heap_len) return;
  heap_put(loop, pos, &last);
  if (pos > 0 && hent_less(loop, &last, &t->heap[(pos - 1) / HEAP_D]))
    heap_up(loop, pos);
  else
    heap_down(loop, pos);
}

/* ------------------------------------------------ the duration -> list map ---- */

/* Open addressing with linear probing and backward-shift deletion (no tombstones, so a
 * table that churns through a million durations stays as fast as a fresh one). The table
 * never fills past three quarters, so every probe ends at an empty slot. */
static inline uint32_t map_home(uint32_t msecs, uint32_t mask) {
  return (uint32_t)(((uint64_t)msecs * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* The slot holding `msecs`, or the empty slot where it would go. */
static uint32_t map_slot(const tick__timers_t *t, uint32_t msecs) {
  uint32_t i = map_home(msecs, t->map_mask);
  for (;;) {
    uint64_t e = t->map[i];
    if (e == 0 || (uint32_t)(e >> 32) == msecs) return i;
    i = (i + 1) & t->map_mask;
  }
}

static inline void map_prefetch(const tick__timers_t *t, uint32_t msecs) {
  __builtin_prefetch(&t->map[map_home(msecs, t->map_mask)]);
}

/* The holder of the list for `msecs`, or TICK__NONE. */
static uint32_t map_find(const tick__timers_t *t, uint32_t msecs) {
  uint64_t e;
  if (t->map == NULL) return TICK__NONE;
  e = t->map[map_slot(t, msecs)];
  return e == 0 ? TICK__NONE : (uint32_t)e;
}

static void map_del(tick__timers_t *t, uint32_t msecs) {
  uint32_t i = map_slot(t, msecs), j = i, mask = t->map_mask;
  for (;;) {
    uint64_t e;
    j = (j + 1) & mask;
    e = t->map[j];
    if (e == 0) break;
    /* The entry at j may fill the hole at i unless its home lies in (i, j]. */
    if (((j - map_home((uint32_t)(e >> 32), mask)) & mask) >= ((j - i) & mask)) {
      t->map[i] = e;
      i = j;
    }
  }
  t->map[i] = 0;
  t->map_live--;
}

static int map_grow(tick__timers_t *t, uint32_t need) {
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
  for (i = 0; i < old_size; i++)
    if (old[i] != 0) t->map[map_slot(t, (uint32_t)(old[i] >> 32))] = old[i];
  tick__free(old);
  return 0;
}

/* Makes room for `extra` more lists, so that creating them later cannot fail. */
static int timers_reserve(tick__timers_t *t, uint32_t extra) {
  uint32_t need = t->heap_len + extra;
  if (need < t->heap_len || need > LISTS_CAP_MAX) return TICK_ENOMEM;
  if (need > t->lists_cap) {
    uint32_t cap = t->lists_cap ? t->lists_cap : 16;
    tick__tlist_t *lists;
    tick__hent_t *heap;
    while (cap < need) cap *= 2; /* need <= LISTS_CAP_MAX, a power of two */
    heap = tick__reallocarray(t->heap, cap, sizeof(*heap));
    if (heap == NULL) return TICK_ENOMEM;
    t->heap = heap;
    lists = tick__reallocarray(t->lists, cap, sizeof(*lists));
    if (lists == NULL) return TICK_ENOMEM; /* the heap grew; harmless */
    t->lists = lists;
    t->lists_cap = cap;
  }
  /* Grown to half full when it would pass three quarters: dense enough that a million
   * durations take 8 MiB, sparse enough that a probe rarely leaves its cache line. */
  if (t->map == NULL || (uint64_t)(t->map_live + extra) * 4 > ((uint64_t)t->map_mask + 1) * 3)
    return map_grow(t, t->map_live + extra);
  return 0;
}

/* ------------------------------------------------------------ the lists ---- */

static void set_gate(tick_loop_t *loop, uint32_t msecs, int64_t expiry) {
  /* Node: a list that expires before the scheduled one re-arms the libuv timer. */
  if (loop->timers_next_expiry > expiry) {
    loop->timer_gate = loop->now + msecs;
    loop->timers_next_expiry = expiry;
  }
}

/* A new list for timer `idx` alone; `mslot` is the empty map slot for its duration. */
static void solo_new(tick_loop_t *loop, uint32_t idx, int64_t start, uint32_t mslot) {
  tick__timers_t *t = &loop->timers;
  tick__obj_t *o = slot_at(loop, idx);
  uint32_t msecs = o->u.timer.msecs;
  tick__hent_t e;
  e.expiry = start + msecs;
  e.ref = idx;
  e.spare_ = 0;
  o->flags = (uint8_t)((o->flags | TICK__F_SOLO) & ~TICK__F_RUNNING);
  solo_set_id(o, t->next_list_id++);
  heap_put(loop, t->heap_len++, &e);
  heap_up(loop, t->heap_len - 1);
  t->map[mslot] = ((uint64_t)msecs << 32) | idx;
  t->map_live++;
  set_gate(loop, msecs, e.expiry);
}

/* Moves a solo's list into a record, same key. The solo becomes its only member, or no
 * member when `keep` is 0 (its callback is running, or it is being cleared). */
static uint32_t solo_to_list(tick_loop_t *loop, uint32_t idx, int keep) {
  tick__timers_t *t = &loop->timers;
  tick__obj_t *o = slot_at(loop, idx);
  uint32_t r, pos = o->u.timer.list, msecs = o->u.timer.msecs;
  tick__tlist_t *l;
  if (t->free_list != TICK__NONE) {
    r = t->free_list;
    t->free_list = t->lists[r].head;
  } else {
    r = t->lists_used++;
  }
  l = &t->lists[r];
  l->id = solo_id(o);
  l->msecs = msecs;
  l->heap_pos = pos;
  t->heap[pos].ref = REF_LIST | r;
  t->map[map_slot(t, msecs)] = ((uint64_t)msecs << 32) | (REF_LIST | r);
  o->flags &= (uint8_t)~TICK__F_SOLO;
  o->next = o->prev = TICK__NONE;
  if (keep) {
    l->head = l->tail = idx;
    o->u.timer.list = r;
  } else {
    l->head = l->tail = TICK__NONE;
    o->u.timer.list = TICK__NONE;
  }
  return r;
}

/* Removes a list from the queue and the map (a solo stays live, in no list). */
static void list_delete(tick_loop_t *loop, uint32_t ref) {
  tick__timers_t *t = &loop->timers;
  heap_remove(loop, ref_pos(loop, ref));
  map_del(t, ref_msecs(loop, ref));
  if (IS_LIST(ref)) {
    tick__tlist_t *l = &t->lists[LIST_IDX(ref)];
    l->heap_pos = TICK__NONE;
    l->head = t->free_list;
    t->free_list = LIST_IDX(ref);
  } else {
    tick__obj_t *o = slot_at(loop, ref);
    o->flags &= (uint8_t)~TICK__F_SOLO;
    o->next = o->prev = TICK__NONE;
    o->u.timer.list = TICK__NONE;
  }
}

/* Whether the list held by `ref` has no timer. */
static int list_empty(const tick_loop_t *loop, uint32_t ref) {
  if (IS_LIST(ref)) return loop->timers.lists[LIST_IDX(ref)].head == TICK__NONE;
  return (slot_at(loop, ref)->flags & TICK__F_RUNNING) != 0;
}

/* Unlinks a timer that is a member of a record's list. */
static void list_unlink(tick_loop_t *loop, uint32_t idx) {
  tick__obj_t *o = slot_at(loop, idx);
  tick__tlist_t *l;
  if (o->u.timer.list == TICK__NONE) return;
  l = &loop->timers.lists[o->u.timer.list];
  if (o->prev == TICK__NONE)
    l->head = o->next;
  else
    slot_at(loop, o->prev)->next = o->next;
  if (o->next == TICK__NONE)
    l->tail = o->prev;
  else
    slot_at(loop, o->next)->prev = o->prev;
  o->next = o->prev = TICK__NONE;
  o->u.timer.list = TICK__NONE;
}

/* Node's insert(): appends the timer to its duration's list (created if missing), after
 * unlinking it from wherever it was. An emptied list is left for the timers phase to
 * reap, as Node does. The caller guarantees room for one new list. */
static void timer_insert(tick_loop_t *loop, uint32_t idx, int64_t start) {
  tick__timers_t *t = &loop->timers;
  tick__obj_t *o = slot_at(loop, idx);
  uint32_t msecs = o->u.timer.msecs, mslot, ref, r;
  tick__tlist_t *l;
  o->u.timer.start = start;
  if (o->flags & TICK__F_SOLO) {
    /* Its list is its duration's list: it is (again) the only member, same key. */
    o->flags &= (uint8_t)~TICK__F_RUNNING;
    return;
  }
  mslot = map_slot(t, msecs);
  if (t->map[mslot] == 0) {
    list_unlink(loop, idx);
    solo_new(loop, idx, start, mslot);
    return;
  }
  ref = (uint32_t)t->map[mslot];
  r = IS_LIST(ref) ? LIST_IDX(ref) : solo_to_list(loop, ref, !list_empty(loop, ref));
  list_unlink(loop, idx);
  l = &t->lists[r];
  o->prev = l->tail;
  o->next = TICK__NONE;
  if (l->tail == TICK__NONE)
    l->head = idx;
  else
    slot_at(loop, l->tail)->next = idx;
  l->tail = idx;
  o->u.timer.list = r;
  o->flags &= (uint8_t)~TICK__F_RUNNING;
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
  /* With many durations the map probe is a cache miss: start it now, so that it overlaps
   * the clock read and the slot setup. */
  if (loop->timers.map != NULL)
    map_prefetch(&loop->timers, (uint32_t)delay);
  /* Both reservations before any change: on failure nothing is scheduled. */
  r = tick__slab_reserve(&loop->slab);
  if (r == 0) r = timers_reserve(&loop->timers, 2);
  if (r != 0) return r;
  idx = tick__slab_take(&loop->slab);
  if (idx & REF_LIST) { /* a solo's slot index must not look like a record's */
    tick__slab_release(&loop->slab, idx);
    return TICK_ENOMEM;
  }
  o = tick__slab_at(&loop->slab, idx);
  o->kind = TICK__TIMER;
  o->flags = TICK__F_REF | (repeat ? TICK__F_REPEAT : 0);
  o->u.timer.msecs = (uint32_t)delay;
  o->u.timer.list = TICK__NONE;
  o->u.timer.cb = cb;
  o->u.timer.arg = arg;
  tick__capture(loop, tick__slab_cap(&loop->slab, idx), TICK__CB_TIMER);
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
  if (o->flags & TICK__F_SOLO) { /* the heap entry and the map line, fetched together */
    __builtin_prefetch(&loop->timers.heap[o->u.timer.list]);
    map_prefetch(&loop->timers, o->u.timer.msecs);
  }
  /* Node's unenroll: a ref'd timer's emptied duration list is deleted at once; an unref'd
   * one's stays until the timers phase reaps it. A timer in a list is in its duration's
   * current list; a running one is in none, and its duration's list is looked up. */
  if (o->flags & TICK__F_SOLO) {
    if (o->flags & TICK__F_REF)
      list_delete(loop, idx);
    else
      solo_to_list(loop, idx, 0);
  } else {
    list = o->u.timer.list;
    list_unlink(loop, idx);
    if (o->flags & TICK__F_REF) {
      uint32_t ref = list != TICK__NONE ? (REF_LIST | list)
                                        : map_find(&loop->timers, o->u.timer.msecs);
      if (ref != TICK__NONE && list_empty(loop, ref)) list_delete(loop, ref);
    }
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

/* Runs one timer taken from the head of its list (Node's listOnTimeout body). A solo
 * keeps holding its list, now empty, while its callback runs. */
static void run_timer(tick_loop_t *loop, uint32_t idx) {
  tick__obj_t *o = tick__slab_at(&loop->slab, idx);
  uint32_t gen = o->gen;
  int64_t start = 0;
  tick_timer_t id;
  tick__cap_t cap;
  void *saved;
  if (!(o->flags & TICK__F_SOLO)) list_unlink(loop, idx);
  o->flags |= TICK__F_RUNNING;
  if (o->flags & TICK__F_REPEAT) start = tick__update_time(loop);
  id.id = tick__obj_id(&loop->slab, idx);
  loop->obs.timer_cbs++;
  cap = *tick__slab_cap(&loop->slab, idx);
  saved = tick__enter(loop, &cap, TICK__CB_TIMER, (tick__fn_t)o->u.timer.cb);
  loop->depth++;
  o->u.timer.cb(loop, id, o->u.timer.arg);
  loop->depth--;
  tick__leave(loop, saved);
  o = tick__slab_at(&loop->slab, idx);
  if (o->gen != gen || o->kind != TICK__TIMER) return; /* cleared by its callback */
  if (o->flags & TICK__F_REPEAT) {
    timer_insert(loop, idx, start); /* re-armed from the moment its callback started */
  } else if (o->flags & TICK__F_SOLO) {
    if (o->flags & TICK__F_RUNNING) {
      /* Not refreshed: its list is drained and goes, as the caller would find. */
      list_delete(loop, idx);
      timer_destroy(loop, idx);
    }
  } else {
    o->flags &= (uint8_t)~TICK__F_RUNNING;
    if (o->u.timer.list == TICK__NONE) timer_destroy(loop, idx); /* a one-shot is done */
  }
}

/* The heap position of the list that had holder `*ref` and id `id`, or TICK__NONE if that
 * list is gone. A solo's list may have moved into a record meanwhile: then `*ref` is
 * updated. */
static uint32_t list_resolve(const tick_loop_t *loop, uint32_t *ref, uint64_t id,
                             uint32_t msecs) {
  uint32_t r = *ref;
  if (IS_LIST(r)) {
    const tick__tlist_t *l = &loop->timers.lists[LIST_IDX(r)];
    if (l->heap_pos != TICK__NONE && l->id == id) return l->heap_pos;
  } else {
    const tick__obj_t *o = slot_at(loop, r);
    if (o->kind == TICK__TIMER && (o->flags & TICK__F_SOLO) && solo_id(o) == id)
      return o->u.timer.list;
  }
  r = map_find(&loop->timers, msecs);
  if (r == TICK__NONE || ref_id(loop, r) != id) return TICK__NONE;
  *ref = r;
  return ref_pos(loop, r);
}

/* Processes one list (Node's listOnTimeout). The list is named by its holder and id as
 * they were when it was picked: if it was deleted meanwhile, it is gone. */
static void list_on_timeout(tick_loop_t *loop, uint32_t ref, uint64_t id, uint32_t msecs,
                            int64_t now) {
  tick__timers_t *t = &loop->timers;
  int ran = 0;
  for (;;) {
    uint32_t head, tgen, pos = list_resolve(loop, &ref, id, msecs);
    tick__obj_t *o;
    if (pos == TICK__NONE) return;
    if (IS_LIST(ref))
      head = t->lists[LIST_IDX(ref)].head;
    else
      head = (slot_at(loop, ref)->flags & TICK__F_RUNNING) ? TICK__NONE : ref;
    if (head == TICK__NONE) break;
    o = tick__slab_at(&loop->slab, head);
    if (now - o->u.timer.start < (int64_t)msecs) {
      /* The rest of this list is not due yet: reschedule it with a new id. */
      int64_t due = o->u.timer.start + msecs;
      t->heap[pos].expiry = due > now + 1 ? due : now + 1;
      if (IS_LIST(ref))
        t->lists[LIST_IDX(ref)].id = t->next_list_id++;
      else
        solo_set_id(slot_at(loop, ref), t->next_list_id++);
      heap_down(loop, pos);
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
  /* Drained: the list goes (Node: if it is still the map's list for its duration, which
   * list_resolve has just checked). */
  list_delete(loop, ref);
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
    uint32_t ref = t->heap[0].ref;
    uint64_t id;
    if (t->heap[0].expiry > now) break;
    id = ref_id(loop, ref);
    if (ran)
      tick__drain(loop);
    else
      ran = 1;
    list_on_timeout(loop, ref, id, ref_msecs(loop, ref), now);
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
