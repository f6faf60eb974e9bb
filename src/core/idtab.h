/* idtab.h - a table of generation-counted ids for objects a module allocates itself
 * (UDP handles, DNS requests): the public id is ((generation ^ tag) << 32) | (slot + 1),
 * like the loop's slab ids, so an id that outlived its object is recognised as stale
 * instead of being trusted. Slots are reused through a free list; growing doubles the
 * array.
 *
 * The tag is 32 random bits drawn when the table (or the loop's slab) is made. It gives
 * each id space its own identity without a global counter: an id handed out by another
 * loop's table decodes here to its generation masked with the other tag, and names a
 * live object only if that value happens to equal the current generation of the same
 * slot, about once in 2^32 for random tags, the same odds as a stale id of this table
 * after its slot was reused 2^32 times. Masking rather than splitting the 32 high bits
 * keeps all of them for the generation. */
#ifndef TICK_IDTAB_H
#define TICK_IDTAB_H

#include "core/internal.h"

#include <sys/random.h>
#include <sys/types.h>
#include <time.h>

/* A fresh 32-bit tag for an id space (see above). `salt` (the owner's address) only
 * matters if the kernel has no random bytes to give, which getrandom with GRND_NONBLOCK
 * reports early in boot: then the address and the clock are mixed instead. */
static inline uint32_t tick__id_tag_new(const void *salt) {
  uint32_t tag;
  if (getrandom(&tag, sizeof(tag), GRND_NONBLOCK) != (ssize_t)sizeof(tag)) {
    struct timespec ts;
    uint64_t x;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    x = (uint64_t)(uintptr_t)salt ^ ((uint64_t)ts.tv_nsec << 24) ^ (uint64_t)ts.tv_sec;
    x *= 0x9E3779B97F4A7C15ull;
    tag = (uint32_t)(x >> 32);
  }
  return tag;
}

typedef struct tick__idslot_s {
  void *obj;     /* NULL when free */
  uint32_t gen;  /* bumped when the slot is freed */
  uint32_t next; /* free list link */
} tick__idslot_t;

typedef struct tick__idtab_s {
  tick__idslot_t *slots;
  uint32_t cap, free_head, live;
  uint32_t tag; /* masks the generation in every id of this table */
} tick__idtab_t;

#define TICK__IDTAB_NONE UINT32_MAX

static inline void tick__idtab_init(tick__idtab_t *t) {
  t->slots = NULL;
  t->cap = t->live = 0;
  t->free_head = TICK__IDTAB_NONE;
  t->tag = tick__id_tag_new(t);
}

/* Makes sure one id can be added without allocating. Returns 0 or TICK_ENOMEM. */
static inline int tick__idtab_reserve(tick__idtab_t *t) {
  uint32_t cap, i;
  tick__idslot_t *slots;
  if (t->free_head != TICK__IDTAB_NONE) return 0;
  if (t->cap >= (UINT32_MAX >> 1)) return TICK_ENOMEM;
  cap = t->cap ? t->cap * 2 : 16;
  slots = tick__reallocarray(t->slots, cap, sizeof(*slots));
  if (slots == NULL) return TICK_ENOMEM;
  for (i = cap; i-- > t->cap;) {
    slots[i].obj = NULL;
    slots[i].gen = 1;
    slots[i].next = t->free_head;
    t->free_head = i;
  }
  t->slots = slots;
  t->cap = cap;
  return 0;
}

/* Adds `obj` (after a successful reserve) and returns its id. */
static inline uint64_t tick__idtab_add(tick__idtab_t *t, void *obj) {
  uint32_t i = t->free_head;
  t->free_head = t->slots[i].next;
  t->slots[i].obj = obj;
  t->live++;
  return ((uint64_t)(t->slots[i].gen ^ t->tag) << 32) | ((uint64_t)i + 1);
}

/* The object named by `id`, or NULL if the id is stale, null, bogus or another table's. */
static inline void *tick__idtab_get(const tick__idtab_t *t, uint64_t id) {
  uint32_t low = (uint32_t)id;
  if (low == 0 || low > t->cap) return NULL;
  if (t->slots[low - 1].gen != ((uint32_t)(id >> 32) ^ t->tag)) return NULL;
  return t->slots[low - 1].obj;
}

/* Frees the slot of a live id: every copy of the id is stale from now on. */
static inline void tick__idtab_remove(tick__idtab_t *t, uint64_t id) {
  uint32_t i = (uint32_t)id - 1;
  t->slots[i].obj = NULL;
  t->slots[i].gen++;
  if (t->slots[i].gen == 0) t->slots[i].gen = 1;
  t->slots[i].next = t->free_head;
  t->free_head = i;
  t->live--;
}

static inline void tick__idtab_free(tick__idtab_t *t) {
  tick__free(t->slots);
  t->slots = NULL;
  t->cap = t->live = 0;
  t->free_head = TICK__IDTAB_NONE;
}

#endif
