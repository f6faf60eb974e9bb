/* immediate.c - setImmediate and the check phase.
 *
 * Immediates wait in one intrusive FIFO. The check phase takes the whole queue as its
 * batch (Node's snapshot: immediates queued while it runs wait for the next iteration),
 * runs it in order with a drain before each one after the first, then the closing drain.
 * Clearing an immediate unlinks it from whichever of the two queues holds it, so a cleared
 * immediate never runs even if it was already in the running batch.
 */
#include "loop.h"

int tick_set_immediate(tick_loop_t *loop, tick_immediate_cb cb, void *arg,
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
  o->u.immediate.cb = cb;
  o->u.immediate.arg = arg;
  tick__queue_push(loop, &loop->immediates, idx);
  loop->immediate_count++;
  loop->immediate_refs++;
  if (id_out != NULL) id_out->id = tick__obj_id(&loop->slab, idx);
  return 0;
}

static void immediate_free(tick_loop_t *loop, uint32_t idx) {
  tick__obj_t *o = tick__slab_at(&loop->slab, idx);
  tick__queue_remove(loop, (o->flags & TICK__F_BATCH) ? &loop->immediate_batch
                                                      : &loop->immediates, idx);
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
  uint32_t idx;
  int ran = 0;
  if (loop->immediates.head == TICK__NONE) return;
  /* Snapshot: the batch is what was queued before this phase began. */
  loop->immediate_batch = loop->immediates;
  loop->immediates.head = loop->immediates.tail = TICK__NONE;
  for (idx = loop->immediate_batch.head; idx != TICK__NONE; idx = tick__slab_at(&loop->slab, idx)->next)
    tick__slab_at(&loop->slab, idx)->flags |= TICK__F_BATCH;
  while (loop->immediate_batch.head != TICK__NONE) {
    tick__obj_t *o;
    tick_immediate_cb cb;
    void *arg;
    if (ran) {
      tick__drain(loop);
      if (loop->immediate_batch.head == TICK__NONE) break; /* the drain cleared the rest */
    }
    ran = 1;
    idx = loop->immediate_batch.head;
    o = tick__slab_at(&loop->slab, idx);
    cb = o->u.immediate.cb;
    arg = o->u.immediate.arg;
    immediate_free(loop, idx);
    loop->depth++;
    cb(loop, arg);
    loop->depth--;
  }
  tick__drain(loop);
}
