// idle.js - node's loop iteration, the peer of idle.c (read its header).
//
// A setImmediate chain: each immediate queues the next, so each runs in its own
// iteration. Node (through libuv) always has internal fds registered, so both rows ask
// the kernel every iteration; "1 idle fd" adds a Unix-socket server that nobody connects
// to (a listening fd watched for readability that never becomes ready; no network).
// Counted: from the first immediate being queued to the last one running; time per
// iteration. Each workload runs in its own node process.
'use strict';

const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

const ITERATIONS = 1000000;

function chain(workload, done) {
  let left = ITERATIONS;
  let m = null;
  function nextLink() {
    if (--left > 0) {
      setImmediate(nextLink);
    } else {
      print(workload, elapsed(m), ITERATIONS);
      done();
    }
  }
  m = mark();
  setImmediate(nextLink);
}

function chainWithIdleSocket(workload, done) {
  const socketPath = path.join(os.tmpdir(), `tick-bench-idle-${process.pid}.sock`);
  fs.rmSync(socketPath, { force: true });
  const server = net.createServer(() => {
    process.stderr.write('idle.js: the idle socket became ready\n');
    process.exit(1);
  });
  server.listen(socketPath, () => {
    chain(workload, () => {
      server.close(() => {
        fs.rmSync(socketPath, { force: true });
        done();
      });
    });
  });
}

runWorkloads([
  { name: 'loop iteration, no fd', run: (done) => chain('loop iteration, no fd', done) },
  {
    name: 'loop iteration, 1 idle fd',
    run: (done) => chainWithIdleSocket('loop iteration, 1 idle fd', done),
  },
]);
