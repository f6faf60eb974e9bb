// async.js - node's async functions, the peer of async.c (read its header for the
// workloads). Each workload runs in its own node process.
'use strict';

const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

let sink = 0;

function awaitSettled(done) {
  const p = Promise.resolve(1);
  const n = 10000000;
  const start = mark();
  (async () => {
    for (let i = 0; i < n; i++) sink += await p;
  })().then(() => {
    print('await: 10M settled in one function', elapsed(start), n);
    if (sink !== n) throw new Error('wrong count');
    done();
  });
}

function awaitTurns(done) {
  const p = Promise.resolve(1);
  const n = 10000000;
  const start = mark();
  const half = async () => {
    for (let i = 0; i < n / 2; i++) {
      const v = await p; // `sink += await p` would read sink before the other function adds
      sink += v;
    }
  };
  Promise.all([half(), half()]).then(() => {
    print('await: 10M settled, two functions taking turns', elapsed(start), n);
    if (sink !== n) throw new Error('wrong count');
    done();
  });
}

function asyncTimers(done) {
  const n = 100000;
  let ended = 0;
  if (global.gc) global.gc();
  const before = process.memoryUsage();
  const start = mark();
  async function sleeper() {
    await new Promise((r) => setTimeout(r, 1));
    ended++;
  }
  for (let i = 0; i < n; i++) sleeper();
  const during = process.memoryUsage();
  setImmediate(function wait() {
    if (ended < n) { setTimeout(wait, 1); return; }
    print('async x timer: N concurrent', elapsed(start), n);
    process.stdout.write('INFO\tmemory per suspended async function: node ' +
      `${((during.rss - before.rss) / n / 1024).toFixed(2)} KiB resident, ` +
      `${((during.heapUsed - before.heapUsed) / n / 1024).toFixed(2)} KiB heap\n`);
    done();
  });
}

runWorkloads([
  { name: 'await: 10M settled in one function', run: awaitSettled },
  { name: 'await: 10M settled, two functions taking turns', run: awaitTurns },
  { name: 'async x timer: N concurrent', run: asyncTimers },
]);
