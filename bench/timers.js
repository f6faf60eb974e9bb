// timers.js - node's timers, the peer of timers.c (read its header for the workloads).
//
// What is counted for node: "start" is setTimeout() (the Timeout objects are node's own,
// so their allocation is part of the cost), "stop" is clearTimeout(); the delays come
// from the same xorshift32 sequence as the C versions; the warm round repeats them in the
// same process. "fired" counts from the end of the script that created the 1M timers to
// the last timer callback. Each workload runs in its own node process.
'use strict';

const { mark, elapsed, sum, print, xorshift32, runWorkloads } = require('./lib/bench.js');

const TIMER_COUNT = 1000000;
const DISTINCT_DEADLINES = 1000;

function mustNotFire() {
  process.stderr.write('timers.js: a stopped timer fired\n');
  process.exit(1);
}

let liveBytes = 0; // V8 heap growth over the first round's starts, for the MEMORY line

function startStopRound(delays, ids) {
  const before = process.memoryUsage().heapUsed;
  let m = mark();
  for (let i = 0; i < TIMER_COUNT; i++) ids[i] = setTimeout(mustNotFire, delays[i]);
  const start = elapsed(m);
  if (liveBytes === 0) liveBytes = process.memoryUsage().heapUsed - before;

  m = mark();
  for (let i = 0; i < TIMER_COUNT; i++) clearTimeout(ids[i]);
  const stop = elapsed(m);
  return [start, stop];
}

function benchStartStop(done) {
  const delays = new Array(TIMER_COUNT);
  const ids = new Array(TIMER_COUNT);
  const seed = { value: 2463534242 };
  for (let i = 0; i < TIMER_COUNT; i++) delays[i] = 1 + (xorshift32(seed) % 1000000);

  let [start, stop] = startStopRound(delays, ids);
  print('timers 1M start (random delays)', start, TIMER_COUNT);
  print('timers 1M stop', stop, TIMER_COUNT);
  print('timers 1M start+stop', sum(start, stop), TIMER_COUNT);
  // Not a RESULT line: run.sh leaves it out of the table (docs/design/timers.md).
  console.log(`MEMORY\ttimers 1M live\tnode\t${(liveBytes / TIMER_COUNT).toFixed(1)} B per timer ` +
    '(V8 heap growth over the starts)');
  [start, stop] = startStopRound(delays, ids);
  print('timers 1M start+stop, warm', sum(start, stop), TIMER_COUNT);
  done();
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

runWorkloads([
  { name: 'timers 1M start+stop', run: benchStartStop },
  { name: 'timers 1M fired, 1000 deadlines', run: benchFire },
]);
