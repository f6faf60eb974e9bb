/* trace.c - the observability layer's entry from the core. */
#include "core/loop.h"

void tick__probe_from_environment(tick_loop_t *loop) { (void)loop; }
