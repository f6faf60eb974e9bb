// queues.js - node's process.nextTick, queueMicrotask and setImmediate queues, the peer
// of queues.c (read its header for the workloads).
//
// Each workload is started from its own macrotask (the first from the main script, the
// others from a setImmediate once the previous one finished), so its callbacks drain
// exactly as tick's do after the main script. Counted: from the first queueing call to
// the last callback; time per callback.
'use strict';

const TASK_COUNT = 10000000;
const IMMEDIATE_COUNT = 1000000;

function mark() {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

function elapsed(from) {
  const cpu = process.cpuUsage(from.cpu);
  return {
    wall: Number(process.hrtime.bigint() - from.wall) / 1e9,
    cpu: (cpu.user + cpu.system) / 1e6,
  };
}

function print(workload, span, ops) {
  process.stdout.write(`RESULT\t${workload}\tnode\t${span.wall.toFixed(9)}\t` +
                       `${span.cpu.toFixed(9)}\t${ops}\n`);
}

const queue = {
  'next-tick': (cb) => process.nextTick(cb),
  microtask: (cb) => queueMicrotask(cb),
  immediate: (cb) => setImmediate(cb),
};

function benchQueue(workload, kind, count, depth, done) {
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

const workloads = [
  ['next-tick 10M breadth', 'next-tick', TASK_COUNT, false],
  ['next-tick 10M depth', 'next-tick', TASK_COUNT, true],
  ['microtask 10M breadth', 'microtask', TASK_COUNT, false],
  ['microtask 10M depth', 'microtask', TASK_COUNT, true],
  ['immediate 1M breadth', 'immediate', IMMEDIATE_COUNT, false],
  ['immediate 1M depth', 'immediate', IMMEDIATE_COUNT, true],
];

function runFrom(index) {
  if (index === workloads.length) return;
  const [workload, kind, count, depth] = workloads[index];
  benchQueue(workload, kind, count, depth, () => runFrom(index + 1));
}

runFrom(0);
