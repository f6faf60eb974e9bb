/* module.h - the io layer's per-loop module slots (see core/internal.h). Not API.
 * Slots 0-2 belong to the layers below (promise, thread); hooks run in slot order. */
#ifndef TICK_IO_MODULE_H
#define TICK_IO_MODULE_H

#include "core/loop.h"

enum {
  TICK__MODULE_SIGNAL = 3,  /* signal watchers (signal.c) */
  TICK__MODULE_PROCESS = 4, /* child processes (process.c) */
  TICK__MODULE_NET = 5,     /* streams and TCP: free lists of write requests and streams */
  TICK__MODULE_FS = 6,      /* file requests (fs.c) */
  TICK__MODULE_UDP = 7,     /* UDP handles and their send records (udp.c) */
  TICK__MODULE_DNS = 8      /* DNS requests in flight (dns.c) */
};
_Static_assert(TICK__MODULE_DNS < TICK__MODULE_MAX, "io module slots fit the loop");

#endif
