/* tick.h - callbacks you can rely on: synchronous array algorithms, an event loop with
 * Node.js's scheduling rules, promises, a thread pool and asynchronous I/O.
 *
 * This is the only header a program includes. Read top to bottom, the headers it pulls in
 * are the manual: each function says its parameters, what NULL does, which thread may call
 * it, who owns what, and what it returns.
 *
 * Conventions that hold everywhere:
 * - Functions return int: 0 (or a count) on success, a negative TICK_E* code on failure.
 * - Every callback receives a `void *` the caller chose when it registered the callback.
 * - An asynchronous callback never runs before the function that accepted it returns.
 * - "Any thread" means the function may be called from any thread at any time; "loop
 *   thread" means only the thread that owns the loop (others get TICK_EWRONGTHREAD).
 */
#ifndef TICK_H
#define TICK_H

#ifdef __cplusplus
extern "C" {
#endif

#include "tick/error.h"
#include "tick/alloc.h"
#include "tick/algo.h"
#include "tick/loop.h"
#include "tick/context.h"
#include "tick/promise.h"
#include "tick/thread.h"
#include "tick/signal.h"
#include "tick/process.h"
#include "tick/stream.h"
#include "tick/tcp.h"
#include "tick/fs.h"
#include "tick/udp.h"
#include "tick/dns.h"
#include "tick/cancel.h"
#include "tick/async.h"
#include "tick/group.h"
#include "tick/async-io.h"
#include "tick/trace.h"
#include "tick/metrics.h"
#include "tick/resources.h"

#ifdef __cplusplus
}
#endif

#endif
