// fuzz-node program, seed 29
'use strict';
const out = [];
const log = (s) => out.push(s);
process.on('exit', () => process.stdout.write(out.length ? out.join('\n') + '\n' : ''));
const P = [], R = [], T = [], I = [], ID = new Map();
const reg = (k, p) => { P[k] = p; ID.set(p, k); };
const pid = (p) => (ID.has(p) ? 'p' + ID.get(p) : '?');
function fmt(v) {
  if (v instanceof AggregateError) return 'agg[' + v.errors.map(fmt).join(',') + ']';
  if (v instanceof TypeError) return 'TypeError';
  if (v instanceof Error) return 'Error';
  if (Array.isArray(v))
    return '[' + v.map((e) => (e !== null && typeof e === 'object' && 'status' in e
      ? (e.status === 'fulfilled' ? 'f:' + fmt(e.value) : 'r:' + fmt(e.reason))
      : 'f:' + fmt(e))).join(',') + ']';
  return String(v);
}
process.on('unhandledRejection', (e, p) => log('unhandled:' + pid(p) + ':' + fmt(e)));
process.on('rejectionHandled', (p) => log('handled:' + pid(p)));
function thenable(id, kind, v) {
  return {
    then(res, rej) {
      log('h' + id);
      if (kind === 'f') res(v);
      else if (kind === 'r') rej(v);
      else if (kind === 'x') throw v;
      else if (kind === 'fx') { res(v); throw v + 1; }
      else { res(v); res(v + 1); }
    },
  };
}

function b0() {
  reg(1, new Promise((res, rej) => { R[1] = [res, rej];  }));
  reg(2, Promise.race([P[1]]));
  reg(3, P[1].then((v) => { log('p3:fulfilled:' + fmt(v)); b1(); return 60; }, (v) => { log('p3:rejected:' + fmt(v)); b3(); throw 89; }));
  reg(11, Promise.resolve(thenable(3, 'r', 19)));
  R[1][1](5);
}
function b1() {
  R[1][0](thenable(1, 'f', 28));
  process.nextTick(() => { log('n1'); b2(); });
  reg(7, Promise.all([]));
  reg(8, P[1].finally(() => { log('p8:finally'); throw new Error(); }));
}
function b2() {
  reg(4, new Promise((res, rej) => { R[4] = [res, rej];  }));
  reg(5, Promise.resolve(31));
  reg(6, P[5].then((v) => { log('p6:fulfilled:' + fmt(v)); return 82; }, undefined));
}
function b3() {
  reg(9, P[2].then((v) => { log('p9:fulfilled:' + fmt(v)); return thenable(2, 'f', 88); }, (v) => { log('p9:rejected:' + fmt(v)); return 87; }));
  reg(10, new Promise((res, rej) => { R[10] = [res, rej]; R[10][0](P[2]); }));
}
b0();
