// queues.js - node's process.nextTick, queueMicrotask and setImmediate queues, the peer
// of queues.c (read its header for the workloads).
//
// Each workload runs in its own node process, from the main script, so its callbacks
// drain exactly as tick's do after the main script. A breadth workload then runs a second
// time ("..., warm") in the same process, from a setImmediate once the first has
// finished, as queues.c does on the same loop. Counted: from the first queueing call to
// the last callback; time per callback.
'use strict';

const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

const TASK_COUNT = 10000000;
const IMMEDIATE_COUNT = 1000000;

const queue = {
  'next-tick': (cb) => process.nextTick(cb),
  microtask: (cb) => queueMicrotask(cb),
  immediate: (cb) => setImmediate(cb),
};

function queueRound(workload, kind, count, depth, done) {
  const enqueue = queue[kind];
  let ran = 0;
  let m = null;
  function finish() {
    print(workload, elapsed(m), count);
    setImmediate(done);
  }
  function countTask() {
    if (++ran === count) finish();
  }
  function again() {
    if (++ran < count) enqueue(again);
    else finish();
  }
  m = mark();
  if (depth) {
    enqueue(again);
  } else {
    for (let i = 0; i < count; i++) enqueue(countTask);
  }
}

function workload(name, kind, count, depth) {
  return {
    name,
    run: (done) => queueRound(name, kind, count, depth, () => {
      if (depth) done();
      else queueRound(`${name}, warm`, kind, count, depth, done);
    }),
  };
}

runWorkloads([
  workload('next-tick 10M breadth', 'next-tick', TASK_COUNT, false),
  workload('next-tick 10M depth', 'next-tick', TASK_COUNT, true),
  workload('microtask 10M breadth', 'microtask', TASK_COUNT, false),
  workload('microtask 10M depth', 'microtask', TASK_COUNT, true),
  workload('immediate 1M breadth', 'immediate', IMMEDIATE_COUNT, false),
  workload('immediate 1M depth', 'immediate', IMMEDIATE_COUNT, true),
]);
