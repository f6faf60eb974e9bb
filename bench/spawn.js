// spawn.js - node's child_process.spawn, the peer of spawn.c (read its header).
//
// Same workloads: N (BENCH_SPAWN_CHILDREN, default 200) `true` children with stdio
// 'ignore', one at a time and 16 at a time, each new spawn from the 'exit' event of one
// before. Counted: from the first spawn to the last 'exit'; time per process. Each
// workload runs in its own node process.
'use strict';

const { spawn } = require('child_process');
const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

// BENCH_SPAWN_CHILDREN as in spawn.c (default 200, the full count is 1000).
const CHILDREN =
  Number(process.env.BENCH_SPAWN_CHILDREN) > 0 ? Number(process.env.BENCH_SPAWN_CHILDREN) : 200;

function run(workload, parallel, done) {
  let started = 0;
  let exited = 0;
  let m = null;
  function startOne() {
    started++;
    const child = spawn('true', [], { stdio: 'ignore' });
    child.on('exit', (code, signal) => {
      if (code !== 0 || signal !== null) {
        process.stderr.write(`spawn.js: child failed ${code} ${signal}\n`);
        process.exit(1);
      }
      exited++;
      if (started < CHILDREN) startOne();
      else if (exited === CHILDREN) {
        print(workload, elapsed(m), CHILDREN);
        done();
      }
    });
  }
  m = mark();
  for (let i = 0; i < parallel; i++) startOne();
}

const ONE = 'spawn+wait true, one at a time';
const SIXTEEN = 'spawn+wait true, 16 at a time';
runWorkloads([
  { name: ONE, run: (done) => run(ONE, 1, done) },
  { name: SIXTEEN, run: (done) => run(SIXTEEN, 16, done) },
]);
