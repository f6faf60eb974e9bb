// run.js - runs the Promises/A+ suite (promises-aplus-tests 2.1.2) against tick's C promise
// core through adapter.node (adapter.c). Glue only: deferred() comes from the addon, and
// the addon asks for a drain of tick's microtask queue through the scheduler set here.
//
//   TICK_ADAPTER=/path/to/adapter.node node run.js
'use strict';

const path = require('path');

const addon = require(process.env.TICK_ADAPTER ||
  path.join(__dirname, '..', '..', 'build', 'conformance', 'adapter.node'));

// Drain tick's queue as a JS microtask right after the code that filled it.
addon.setScheduler(() => queueMicrotask(addon.drain));

const adapter = { deferred: addon.deferred };

require('promises-aplus-tests')(adapter, { reporter: 'dot' }, (err) => {
  process.exitCode = err ? 1 : 0;
});
