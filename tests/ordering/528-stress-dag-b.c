/* SEMANTICS 6 (every rule) and 3: a second seeded DAG, 500 promises, another seed. */
#include "stress-dag.h"

static void main_script(tick_loop_t *loop) { run_dag(loop, 88172645u, 500); }
