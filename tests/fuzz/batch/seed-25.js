// fuzz-node program, seed 25
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
  T[1] = setTimeout(() => { log('t1'); b1(); }, 200);
  reg(3, Promise.allSettled([28, 23, 39]));
  reg(4, Promise.race([91, P[3], P[3], P[3]]));
  queueMicrotask(() => { log('m1'); });
  reg(5, P[3].then((v) => { log('p5:fulfilled:' + fmt(v)); return 45; }, undefined));
  reg(6, P[3].then(undefined, undefined));
  reg(7, P[4].then((v) => { log('p7:fulfilled:' + fmt(v)); b2(); return; }, (v) => { log('p7:rejected:' + fmt(v)); b3(); throw 35; }));
  reg(12, Promise.resolve(77));
  reg(13, Promise.race([P[3], P[12], P[4]]));
  clearTimeout(T[1]);
  reg(14, P[7].then((v) => { log('p14:fulfilled:' + fmt(v)); b5(); return; }, (v) => { log('p14:rejected:' + fmt(v)); throw v; }));
  reg(17, Promise.allSettled([P[5], P[13], P[5]]));
  reg(18, P[12].then((v) => { log('p18:fulfilled:' + fmt(v)); return v; }, undefined));
  reg(19, Promise.allSettled([P[17], 39]));
  reg(20, new Promise((res, rej) => { R[20] = [res, rej]; R[20][0](P[19]); }));
  I[1] = setImmediate(() => { log('i1'); });
}
function b1() {
  reg(1, Promise.resolve(thenable(1, 'r', 25)));
  reg(2, new Promise((res, rej) => { R[2] = [res, rej];  }));
}
function b2() {
  reg(8, P[4].then((v) => { log('p8:fulfilled:' + fmt(v)); return v; }, undefined));
}
function b3() {
  queueMicrotask(() => { log('m2'); b4(); });
  reg(10, Promise.resolve(99));
  reg(11, new Promise((res, rej) => { R[11] = [res, rej]; R[11][0](thenable(2, 'fx', 13)); }));
}
function b4() {
  reg(9, Promise.reject(63));
}
function b5() {
  reg(15, new Promise((res, rej) => { R[15] = [res, rej]; R[15][0](25); }));
  reg(16, Promise.resolve(thenable(3, 'f', 81)));
  process.nextTick(() => { log('n1'); });
}
b0();
