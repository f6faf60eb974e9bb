// promise.js - node's promises, the peer of promise.c (read its header for the workloads).
//
// Each workload runs in its own node process, from the main script, once cold and then
// once more in the same process ("..., warm") from a setImmediate after the first has
// finished, as promise.c does on the same loop. Counted: from the first promise created to
// the last reaction run; time per link, promise, element or step.
'use strict';

const { mark, elapsed, print, runWorkloads } = require('./lib/bench.js');

let sink = 0;
const addOne = (v) => v + 1;

function chains(count, links, done) {
  let ended = 0;
  for (let c = 0; c < count; c++) {
    let p = Promise.resolve(0);
    for (let i = 0; i < links; i++) p = p.then(addOne);
    p.then((v) => { sink += v; if (++ended === count) done(); });
  }
}

function resolveThen1m(done) {
  let seen = 0;
  for (let i = 0; i < 1000000; i++) {
    let resolve;
    const p = new Promise((r) => { resolve = r; });
    p.then((v) => { sink += v; if (++seen === 1000000) done(); });
    resolve(1);
  }
}

function allRounds(rounds, n, done) {
  let round = 0;
  function next() {
    if (round++ === rounds) { done(); return; }
    const input = new Array(n);
    for (let i = 0; i < n; i++) input[i] = Promise.resolve(i);
    Promise.all(input).then((vs) => { sink += vs.length; next(); });
  }
  next();
}

function step() {
  return new Promise((resolve) => queueMicrotask(() => resolve(1)));
}

function doxbee(done) {
  let ended = 0;
  for (let req = 0; req < 10000; req++) {
    let p = step();
    for (let s = 1; s < 10; s++) p = p.then(step);
    p.then((v) => { sink += v; if (++ended === 10000) done(); });
  }
}

function immediateTrip100k(done) {
  let left = 100000;
  const trip = () => new Promise((r) => setImmediate(r, left)).then(go);
  const go = (v) => { sink += v; if (--left > 0) trip(); else done(); };
  trip();
}

// Runs `round(done)` cold, then warm from a setImmediate once the first has finished.
function coldAndWarm(name, ops, round) {
  return {
    name,
    run: (done) => {
      let m = mark();
      round(() => {
        print(name, elapsed(m), ops);
        setImmediate(() => {
          m = mark();
          round(() => {
            print(`${name}, warm`, elapsed(m), ops);
            setImmediate(done);
          });
        });
      });
    },
  };
}

runWorkloads([
  coldAndWarm('then: 1000 chains x 1000 links', 1e6, (done) => chains(1000, 1000, done)),
  coldAndWarm('then: one chain of 1M links', 1e6, (done) => chains(1, 1000000, done)),
  coldAndWarm('resolve+then: 1M promises', 1e6, resolveThen1m),
  coldAndWarm('all: 1000 x all over 1000', 1e6, (done) => allRounds(1000, 1000, done)),
  coldAndWarm('all: 10 x all over 100k', 1e6, (done) => allRounds(10, 100000, done)),
  coldAndWarm('doxbee: 10k requests x 10 steps', 1e5, doxbee),
  coldAndWarm('immediate round trip: 100k', 1e5, immediateTrip100k),
]);

if (sink === -1) console.log('unreachable');
