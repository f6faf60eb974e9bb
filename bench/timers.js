// timers.js - node's timers, the peer of timers.c (read its header for the workloads).
//
// What is counted for node: "start" is setTimeout() (the Timeout objects are node's own,
// so their allocation is part of the cost), "stop" is clearTimeout(); the delays come
// from the same xorshift32 sequence as the C versions. "fired" counts from the end of the
// script that created the 1M timers to the last timer callback.
'use strict';

const TIMER_COUNT = 1000000;
const DISTINCT_DEADLINES = 1000;

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

function xorshift32(state) {
  let x = state.value;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state.value = x >>> 0;
  return state.value;
}

function mustNotFire() {
  process.stderr.write('timers.js: a stopped timer fired\n');
  process.exit(1);
}

function benchStartStop() {
  const delays = new Array(TIMER_COUNT);
  const ids = new Array(TIMER_COUNT);
  const seed = { value: 2463534242 };
  for (let i = 0; i < TIMER_COUNT; i++) delays[i] = 1 + (xorshift32(seed) % 1000000);

  let m = mark();
  for (let i = 0; i < TIMER_COUNT; i++) ids[i] = setTimeout(mustNotFire, delays[i]);
  const start = elapsed(m);

  m = mark();
  for (let i = 0; i < TIMER_COUNT; i++) clearTimeout(ids[i]);
  const stop = elapsed(m);

  print('timers 1M start (random delays)', start, TIMER_COUNT);
  print('timers 1M stop', stop, TIMER_COUNT);
  print('timers 1M start+stop',
        { wall: start.wall + stop.wall, cpu: start.cpu + stop.cpu }, TIMER_COUNT);
}

function benchFire(done) {
  let fired = 0;
  let m = null;
  function countFire() {
    if (++fired === TIMER_COUNT) {
      print('timers 1M fired, 1000 deadlines', elapsed(m), TIMER_COUNT);
      done();
    }
  }
  for (let i = 0; i < TIMER_COUNT; i++) setTimeout(countFire, 1 + (i % DISTINCT_DEADLINES));
  m = mark();
}

benchStartStop();
// The fired workload starts from a fresh macrotask, after the cleared timers are gone.
setImmediate(() => benchFire(() => {}));
