// promise.js - node's side of bench/promise.c: the same workloads, written as a JS
// programmer would (see promise.c for what each one does and counts).
// Output: `RESULT\t<workload>\tnode\t<wall_s>\t<cpu_s>` per workload.
// Usage: node promise.js [workload...]
'use strict';

const RUNS = 5;
let sink = 0;
const addOne = (v) => v + 1;
const collect = (v) => { sink += v; };

async function chains(count, links) {
  const ends = [];
  for (let c = 0; c < count; c++) {
    let p = Promise.resolve(0);
    for (let i = 0; i < links; i++) p = p.then(addOne);
    ends.push(p.then(collect));
  }
  await Promise.all(ends);
}

async function resolveThen1m() {
  let last;
  for (let i = 0; i < 1000000; i++) {
    let resolve;
    const p = new Promise((r) => { resolve = r; });
    last = p.then(collect);
    resolve(i);
  }
  await last;
}

async function allRounds(rounds, n) {
  for (let r = 0; r < rounds; r++) {
    const input = new Array(n);
    for (let i = 0; i < n; i++) input[i] = Promise.resolve(i);
    await Promise.all(input).then((vs) => { sink += vs.length; });
  }
}

function step() {
  return new Promise((resolve) => queueMicrotask(() => resolve(1)));
}

async function doxbee() {
  const ends = [];
  for (let req = 0; req < 10000; req++) {
    let p = step();
    for (let s = 1; s < 10; s++) p = p.then(step);
    ends.push(p.then(collect));
  }
  await Promise.all(ends);
}

function immediateTrip100k() {
  return new Promise((done) => {
    let left = 100000;
    const trip = () => new Promise((r) => setImmediate(r, left)).then(go);
    const go = (v) => { sink += v; if (--left > 0) trip(); else done(); };
    trip();
  });
}

function callbackChain1m() {
  return new Promise((done) => {
    const links = new Array(1000001);
    links[0] = { fn: null, value: 0, next: null };
    for (let i = 1; i <= 1000000; i++) {
      links[i] = { fn: addOne, value: 0, next: null };
      links[i - 1].next = links[i];
    }
    const run = (k) => {
      if (k.next === null) { sink += k.value; done(); return; }
      k.next.value = k.next.fn(k.value);
      queueMicrotask(() => run(k.next));
    };
    queueMicrotask(() => run(links[0]));
  });
}

function callbackLoop1m() {
  return new Promise((done) => {
    let value = 0, left = 1000000;
    const link = () => { value = addOne(value); if (--left > 0) queueMicrotask(link); else { sink += value; done(); } };
    queueMicrotask(link);
  });
}

const workloads = {
  chains_1000x1000: () => chains(1000, 1000),
  chain_1m: () => chains(1, 1000000),
  resolve_then_1m: resolveThen1m,
  all_1000: () => allRounds(1000, 1000),
  all_100k: () => allRounds(10, 100000),
  doxbee,
  immediate_trip_100k: immediateTrip100k,
  callback_chain_1m: callbackChain1m,
  callback_loop_1m: callbackLoop1m,
};

(async () => {
  const want = process.argv.slice(2);
  for (const [name, fn] of Object.entries(workloads)) {
    if (want.length && !want.includes(name)) continue;
    await fn(); // warm-up run, not reported; then the fastest of RUNS (see promise.c)
    let bestWall = Infinity, bestCpu = 0;
    for (let run = 0; run < RUNS; run++) {
      const w0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      await fn();
      const wall = Number(process.hrtime.bigint() - w0) / 1e9;
      const cpu = process.cpuUsage(c0);
      if (wall < bestWall) { bestWall = wall; bestCpu = (cpu.user + cpu.system) / 1e6; }
    }
    console.log(`RESULT\t${name}\tnode\t${bestWall.toFixed(4)}\t${bestCpu.toFixed(4)}`);
  }
  if (sink === -1) console.log('unreachable');
})();
