/* tick/group.h - task groups: structured concurrency for async functions and promises.
 * Included by <tick.h> after async.h. The manual is docs/cancellation.md, "Task groups".
 *
 * A group is Trio's nursery, Swift's task group and p-limit in one object. Its members are
 * async functions started in it (tick_group_run) and promises it adopts (tick_group_adopt),
 * numbered 0, 1, 2 ... in the order they were added. The group owns a cancel scope (a child
 * of the parent scope given at creation, if any): cancelling the group, its parent or its
 * deadline cancels every member that has not ended.
 *
 * OPEN, CLOSED, SETTLED. A group is open from its creation until tick_group_close (or
 * tick_group_wait, or tick_group_release). Its promise (tick_group_promise, asked for at
 * any time) settles once the group is closed and every member has ended, never before:
 * members ending while it is open leave it pending, as a nursery's body that is still
 * running does. As in Trio, members may be added while the group is open and also after
 * it was closed, as long as one member is still running (a member may start siblings);
 * once the group has settled, adding returns TICK_ECLOSING.
 *
 * WHEN A MEMBER ENDS. The group sees a member end one microtask turn after the member's
 * promise settles (as an await would). It then applies the group's mode:
 *
 *   TICK_GROUP_ALL      the first member to reject (while the group is not cancelled)
 *                       cancels the others with TICK_ECANCELED; the group's promise then
 *                       rejects like that member (same code and reason). Otherwise it
 *                       fulfils with NULL; each member's value is read by index
 *                       (tick_group_item). This is the default (Trio, Promise.all).
 *   TICK_GROUP_COLLECT  a rejection cancels nothing; every member runs to its end. The
 *                       group's promise fulfils with NULL if none rejected, else rejects
 *                       with TICK_EAGGREGATE (an ExceptionGroup, Promise.allSettled): the
 *                       caller reads each member's outcome with tick_group_item and their
 *                       number with tick_group_failures.
 *   TICK_GROUP_RACE     the first member to end, fulfilled or rejected, wins: the others
 *                       are cancelled with TICK_ECANCELED and the group's promise settles
 *                       like the winner (its value or reason, shared). A closed group with
 *                       no member fulfils with NULL.
 *   TICK_GROUP_ANY      the first member to fulfil wins, as in RACE; rejections are
 *                       collected until then. If every member rejected (or there was
 *                       none), the group rejects with TICK_EAGGREGATE.
 *
 * In every mode the group's promise waits for the cancelled members to end (their cleanup
 * runs first, as in a nursery). If the group itself is cancelled (tick_group_cancel, the
 * parent scope, the timeout) before a member decided its outcome, the promise rejects
 * with that cancellation's code (TICK_ETIMEDOUT for the timeout).
 *
 * CANCELLING MEMBERS. An async function member runs under the group's scope (its awaits
 * return the cancellation's code at once; see tick/async.h). An adopted promise is asked
 * to stop with tick_promise_cancel; one with no operation behind it (a plain or deferred
 * promise, a combinator) cannot be stopped, so the group stops waiting for it: the member
 * ends with the cancellation's code at once, and what the promise does later is not
 * counted. Each member ends exactly once, with its own outcome or the cancellation.
 *
 * LIMIT. With limit N > 0, at most N async function members run at once (started and not
 * yet seen ending); the others wait in a queue, in the order they were added, and start
 * one by one as running ones end (in the microtask in which the group sees the end), as
 * p-limit does. A queued member that is cancelled never starts: it ends with the
 * cancellation's code at once, its free_arg is called, and it has no promise. Adopted
 * promises are already running: they do not count against the limit.
 *
 * THREADS. A group belongs to the loop it was created on; every function here is "loop
 * thread" (others get TICK_EWRONGTHREAD). A group handle carries a generation, like a
 * promise: once released, using it returns TICK_ESTALE.
 */
#ifndef TICK_GROUP_H
#define TICK_GROUP_H

#include <stddef.h>
#include <stdint.h>

typedef struct tick_group_s tick_group_t;

/* tick_group_options_t.mode (see WHEN A MEMBER ENDS). */
typedef enum tick_group_mode_e {
  TICK_GROUP_ALL = 0,
  TICK_GROUP_COLLECT = 1,
  TICK_GROUP_RACE = 2,
  TICK_GROUP_ANY = 3
} tick_group_mode_t;

/* Options for tick_group_create; zero-initialise and set what you need. */
typedef struct tick_group_options_s {
  tick_scope_t *parent; /* the group's scope is a child of it; NULL: of the scope of the
                           async function creating the group, if any (tick_async_scope) */
  int detached;         /* nonzero: with parent NULL, no parent even inside an async
                           function */
  size_t limit;         /* at most this many async functions run at once; 0: no limit */
  tick_group_mode_t mode;
  uint64_t timeout_ms;  /* > 0: the group is cancelled with TICK_ETIMEDOUT after this
                           many milliseconds of the loop's clock */
} tick_group_options_t;

/* ----------------------------------------------------------------- creating ---- */

/* Creates an open group on `loop`; `options` may be NULL (mode ALL, no limit, no parent,
 * no timeout). The caller owns one reference, dropped with tick_group_release. If the
 * parent scope is already cancelled, so is the group. Returns 0, TICK_EINVAL (NULL loop or
 * out, a bad mode, a parent of another loop), TICK_ESTALE (a released parent), TICK_ENOMEM
 * or TICK_EWRONGTHREAD. */
int tick_group_create(tick_loop_t *loop, const tick_group_options_t *options,
                      tick_group_t **out);

/* Drops the caller's reference. An open group is closed first. The group goes on until
 * its members have ended (they are not cancelled), then its record is reused: results are
 * readable only until this call. NULL is a no-op returning 0. Returns 0, TICK_ESTALE
 * (released already) or TICK_EWRONGTHREAD. */
int tick_group_release(tick_group_t *g);

/* ------------------------------------------------------------------ members ---- */

/* Adds the async function `fn(co, arg)` as the next member: it starts now, as
 * tick_async_run does (running until its first await before this returns), unless the
 * limit is reached: then it is queued (see LIMIT). `options` as for tick_async_run (NULL:
 * defaults); its free_arg is called once the function has ended, or when a queued member
 * is cancelled, or at once if this call fails. Sets *index (may be NULL) to the member's
 * number. If the group is cancelled already, the member ends at once with the
 * cancellation's code without starting. Returns 0, TICK_EINVAL (NULL fn, bad stack size),
 * TICK_ECLOSING (the group has settled), TICK_ESTALE, TICK_ENOMEM (nothing added) or
 * TICK_EWRONGTHREAD. */
int tick_group_run(tick_group_t *g, tick_async_fn fn, void *arg,
                   const tick_async_options_t *options, size_t *index);

/* Adds the promise `p` (borrowed; the group takes a reference) as the next member. If the
 * group is cancelled already, it is cancelled at once (see CANCELLING MEMBERS). Sets
 * *index (may be NULL). Returns 0, TICK_EINVAL (NULL, a promise of another loop),
 * TICK_ECLOSING, TICK_ESTALE (a released group or promise), TICK_ENOMEM (nothing added)
 * or TICK_EWRONGTHREAD. */
int tick_group_adopt(tick_group_t *g, tick_promise_t *p, size_t *index);

/* ------------------------------------------------------------------ waiting ---- */

/* Closes the group: its promise settles once every member has ended (see OPEN, CLOSED,
 * SETTLED). Closing twice is a no-op. Returns 0, TICK_EINVAL, TICK_ESTALE or
 * TICK_EWRONGTHREAD. */
int tick_group_close(tick_group_t *g);

/* Sets *out to a new reference to the group's promise (see the modes for its outcome).
 * Returns 0, TICK_EINVAL, TICK_ESTALE or TICK_EWRONGTHREAD. */
int tick_group_promise(tick_group_t *g, tick_promise_t **out);

/* The end of a nursery block: closes the group and awaits its promise from the async
 * function `co`. The wait ends only once every member has ended, even if `co` is
 * cancelled meanwhile: the group follows `co`'s scope (tick_async_scope), so that
 * cancellation cancels the members, and the await is shielded until they have ended.
 * Returns 0 if the group fulfilled, else its rejection code (the awaited promise is then
 * tick_async_result(co)), TICK_EINVAL (NULL, `co` of another loop), TICK_ENOMEM (`co`'s
 * scope could not be made; nothing waited), TICK_ESTALE, or the misuse codes of
 * tick_await (TICK_ENOTASYNC: `co` is not running now). */
int tick_group_wait(tick_async_t *co, tick_group_t *g);

/* ------------------------------------------------------------- cancelling ---- */

/* Cancels the group's scope with `code` (negative): every member that has not ended is
 * cancelled (see CANCELLING MEMBERS); queued members end at once without starting.
 * Idempotent: the first code stays. Returns 0, TICK_EINVAL (NULL, code >= 0),
 * TICK_ESTALE or TICK_EWRONGTHREAD. */
int tick_group_cancel(tick_group_t *g, int code);

/* The group's cancel scope (borrowed: valid until tick_group_release; retain it to keep
 * it), or NULL for NULL or a stale group. Operations started under it are cancelled with
 * the group. */
tick_scope_t *tick_group_scope(const tick_group_t *g);

/* -------------------------------------------------------------- inspecting ---- */

/* One member's outcome as the group counted it. */
typedef struct tick_group_item_s {
  int state;      /* TICK_PROMISE_PENDING (queued or running), _FULFILLED or _REJECTED */
  int error;      /* _REJECTED: the code it ended with (for a member cancelled in the
                     queue or whose promise could not be stopped: the cancellation's) */
  int started;    /* 1 if it is an adopted promise or a function that has started */
  tick_promise_t *promise; /* its promise (borrowed: valid until tick_group_release),
                              NULL for a member that never started */
} tick_group_item_t;

/* The number of members added so far. 0 for NULL or misuse. */
size_t tick_group_count(const tick_group_t *g);

/* Fills *out with member `index`'s outcome. Returns 0, TICK_EINVAL (NULL, index out of
 * range), TICK_ESTALE or TICK_EWRONGTHREAD. */
int tick_group_item(const tick_group_t *g, size_t index, tick_group_item_t *out);

/* The number of members that have ended rejected (cancelled ones included). 0 for NULL or
 * misuse. */
size_t tick_group_failures(const tick_group_t *g);

/* Sets *index to the member whose outcome the group's promise took: the winner of a RACE
 * or ANY group, the first failure of an ALL group. Returns 0, TICK_ENOENT (none, yet),
 * TICK_EINVAL, TICK_ESTALE or TICK_EWRONGTHREAD. */
int tick_group_winner(const tick_group_t *g, size_t *index);

/* The number of async function members running now (started, not seen ending) and the
 * number waiting in the queue. 0 for NULL or misuse. */
size_t tick_group_running(const tick_group_t *g);
size_t tick_group_queued(const tick_group_t *g);

#endif
