// context.js - node's AsyncLocalStorage carried along chains of callbacks, the peer of
// context.c (read its header for the workloads). Counted: from als.run to the last
// callback; time per callback.
'use strict';

const { AsyncLocalStorage } = require('async_hooks');
const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

const COUNT = 1000000;

const link = {
  'next-tick': (cb) => process.nextTick(cb),
  microtask: (cb) => queueMicrotask(cb),
  immediate: (cb) => setImmediate(cb),
  then: (cb) => Promise.resolve().then(cb),
};

function chain(name, kind) {
  return {
    name,
    run: () => {
      const als = new AsyncLocalStorage();
      const store = {};
      const next = link[kind];
      let ran = 0;
      const m = mark();
      function again() {
        if (als.getStore() !== store) throw new Error('lost the store');
        if (++ran < COUNT) next(again);
        else print(name, elapsed(m), COUNT);
      }
      als.run(store, () => next(again));
    },
  };
}

runWorkloads([
  chain('context next-tick 1M depth', 'next-tick'),
  chain('context microtask 1M depth', 'microtask'),
  chain('context immediate 1M depth', 'immediate'),
  chain('context then 1M depth', 'then'),
]);
