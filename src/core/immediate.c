/* immediate.c - setImmediate and the check phase.
 *
 * Immediates wait in one intrusive FIFO, each stamped with a sequence number. The check
 * phase notes the next number when it begins and runs only immediates stamped below it
 * (Node's snapshot: immediates queued while it runs wait for the next iteration), in order,
 * with a drain before each one after the first, then the closing drain. Clearing an
 * immediate unlinks it, so a cleared immediate never runs, even one that was queued before
 * the running check phase began.
 */
#include "core/loop.h"

static int immediate_start(tick_loop_t *loop, tick_immediate_cb cb, void *arg,
                           tick_immediate_t *id_out);

/* While creation sites are recorded (resources.c): out of the usual path, so that it
 * stays as it was. */
__attribute__((noinline)) static int immediate_start_noting(tick_loop_t *loop,
                                                            tick_immediate_cb cb, void *arg,
                                                            tick_immediate_t *id_out,
                                                            const void *site) {
  tick_immediate_t id;
  int r = immediate_start(loop, cb, arg, &id);
  if (r != 0) return r;
  tick__site_note(loop, TICK__SITE_ID, id.id, site);
  if (id_out != NULL) *id_out = id;
  return 0;
}

int tick_set_immediate(tick_loop_t *loop, tick_immediate_cb cb, void *arg,
                       tick_immediate_t *id_out) {
  if (TICK__UNLIKELY(loop != NULL && loop->obs.record_sites))
    return immediate_start_noting(loop, cb, arg, id_out, __builtin_return_address(0));
  return immediate_start(loop, cb, arg, id_out);
}

static inline int immediate_start(tick_loop_t *loop, tick_immediate_cb cb, void *arg,
                                  tick_immediate_t *id_out) {
  uint32_t idx;
  tick__obj_t *o;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL) return TICK_EINVAL;
  idx = tick__slab_take(&loop->slab);
  if (idx == TICK__NONE) return TICK_ENOMEM;
  o = tick__slab_at(&loop->slab, idx);
  o->kind = TICK__IMMEDIATE;
  o->flags = TICK__F_REF;
  o->u.immediate.seq = loop->immediate_seq++;
  o->u.immediate.cb = cb;
  o->u.immediate.arg = arg;
  tick__capture(loop, tick__slab_cap(&loop->slab, idx), TICK__CB_IMMEDIATE);
  tick__queue_push(loop, &loop->immediates, idx);
  loop->immediate_count++;
  loop->immediate_refs++;
  if (id_out != NULL) id_out->id = tick__obj_id(&loop->slab, idx);
  return 0;
}

static void immediate_free(tick_loop_t *loop, uint32_t idx) {
  tick__obj_t *o = tick__slab_at(&loop->slab, idx);
  tick__queue_remove(loop, &loop->immediates, idx);
  if (o->flags & TICK__F_REF) loop->immediate_refs--;
  loop->immediate_count--;
  tick__slab_release(&loop->slab, idx);
}

int tick_clear_immediate(tick_loop_t *loop, tick_immediate_t immediate) {
  uint32_t idx;
  TICK__CHECK_LOOP(loop);
  if (tick__slab_lookup(&loop->slab, immediate.id, TICK__IMMEDIATE, &idx) == NULL)
    return 0; /* ran, cleared or null: a no-op, as in Node */
  immediate_free(loop, idx);
  return 0;
}

static int immediate_set_ref(tick_loop_t *loop, tick_immediate_t immediate, int ref) {
  tick__obj_t *o;
  TICK__CHECK_LOOP(loop);
  o = tick__slab_lookup(&loop->slab, immediate.id, TICK__IMMEDIATE, NULL);
  if (o == NULL) return TICK_ESTALE;
  if (ref && !(o->flags & TICK__F_REF)) {
    o->flags |= TICK__F_REF;
    loop->immediate_refs++;
  } else if (!ref && (o->flags & TICK__F_REF)) {
    o->flags &= (uint8_t)~TICK__F_REF;
    loop->immediate_refs--;
  }
  return 0;
}

int tick_immediate_unref(tick_loop_t *loop, tick_immediate_t immediate) {
  return immediate_set_ref(loop, immediate, 0);
}

int tick_immediate_ref(tick_loop_t *loop, tick_immediate_t immediate) {
  return immediate_set_ref(loop, immediate, 1);
}

void tick__run_check(tick_loop_t *loop) {
  uint64_t boundary = loop->immediate_seq;
  int ran = 0;
  while (loop->immediates.head != TICK__NONE) {
    uint32_t idx;
    tick__obj_t *o;
    tick_immediate_cb cb;
    void *arg, *saved;
    tick__cap_t cap;
    if (ran) tick__drain(loop);
    idx = loop->immediates.head;
    if (idx == TICK__NONE) break; /* the drain cleared the rest */
    o = tick__slab_at(&loop->slab, idx);
    if (o->u.immediate.seq >= boundary) break; /* queued during this phase */
    ran = 1;
    cb = o->u.immediate.cb;
    arg = o->u.immediate.arg;
    cap = *tick__slab_cap(&loop->slab, idx);
    immediate_free(loop, idx);
    saved = tick__enter(loop, &cap, TICK__CB_IMMEDIATE, (tick__fn_t)cb);
    loop->obs.check_cbs++;
    loop->depth++;
    cb(loop, arg);
    loop->depth--;
    tick__leave(loop, saved);
  }
  if (ran) tick__drain(loop);
}
