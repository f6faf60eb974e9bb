/* SEMANTICS 6 (every rule) and 3: seeded DAG of 300 promises mixing every combinator,
 * thenables, next-ticks and immediates. */
#include "stress-dag.h"

static void main_script(tick_loop_t *loop) { run_dag(loop, 2463534242u, 300); }
