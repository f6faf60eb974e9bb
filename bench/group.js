// group.js - node's side of group.c (read its header for the workloads): 100000 async
// functions through a concurrency limiter of 100, awaited together with Promise.all. The
// limiter is the usual p-limit shape, written here so that no package is needed: a FIFO
// of waiting jobs and a count of running ones; a job that ends starts the next.
'use strict';

const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

const FUNCTIONS = 100000;
const LIMIT = 100;

function limiter(concurrency) {
  const queue = [];
  let head = 0;
  let active = 0;
  function startNext() {
    if (active >= concurrency || head === queue.length) return;
    const job = queue[head];
    queue[head++] = undefined;
    active++;
    const result = job.fn();
    job.resolve(result);
    result.then(done, done);
  }
  function done() {
    active--;
    startNext();
  }
  return (fn) => new Promise((resolve) => {
    queue.push({ fn, resolve });
    startNext();
  });
}

function run(name, body) {
  return (finish) => {
    let ended = 0;
    const limit = limiter(LIMIT);
    const start = mark();
    const all = [];
    for (let i = 0; i < FUNCTIONS; i++) {
      all.push(limit(async () => {
        await body();
        ended++;
      }));
    }
    Promise.all(all).then(() => {
      print(name, elapsed(start), FUNCTIONS);
      if (ended !== FUNCTIONS) throw new Error('wrong count');
      finish();
    });
  };
}

const settled = Promise.resolve(1);

runWorkloads([
  { name: 'group: 100k async, limit 100, await settled', run: run('group: 100k async, limit 100, await settled', () => settled) },
  { name: 'group: 100k async, limit 100, await immediate', run: run('group: 100k async, limit 100, await immediate', () => new Promise((r) => setImmediate(r))) },
]);
