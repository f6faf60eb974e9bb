// fuzz-node program, seed 19
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
  reg(1, new Promise((res, rej) => { R[1] = [res, rej]; R[1][0](thenable(1, 'f', 65)); }));
  T[1] = setTimeout(() => { log('t1'); }, 350);
  queueMicrotask(() => { log('m1'); });
  { let n = 0; T[2] = setInterval(() => { n++; log('v2:' + n); if (n === 2) clearInterval(T[2]); b1(); }, 100); }
  R[1][1](29);
  reg(10, Promise.race([]));
  T[3] = setTimeout(() => { log('t3'); b7(); }, 450);
  queueMicrotask(() => { log('m2'); });
}
function b1() {
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); b2(); return 91; }, undefined));
  I[1] = setImmediate(() => { log('i1'); b3(); });
  I[2] = setImmediate(() => { log('i2'); b5(); });
}
function b2() {
  reg(3, P[1].then(undefined, (v) => { log('p3:rejected:' + fmt(v)); return P[1]; }));
}
function b3() {
  R[1][0](29);
  reg(4, Promise.allSettled([]));
  reg(5, P[4].then((v) => { log('p5:fulfilled:' + fmt(v)); b4(); return 35; }, undefined));
  reg(7, Promise.reject(56));
}
function b4() {
  reg(6, P[4].then(undefined, (v) => { log('p6:rejected:' + fmt(v)); return 46; }));
}
function b5() {
  reg(8, P[1].then((v) => { log('p8:fulfilled:' + fmt(v)); throw 58; }, (v) => { log('p8:rejected:' + fmt(v)); b6(); return; }));
  I[3] = setImmediate(() => { log('i3'); });
}
function b6() {
  reg(9, Promise.allSettled([15, P[2]]));
}
function b7() {
  reg(11, P[1].then((v) => { log('p11:fulfilled:' + fmt(v)); return P[1]; }, undefined));
  clearTimeout(T[3]);
  T[4] = setTimeout(() => { log('t4'); b8(); }, 50);
  reg(12, Promise.reject(24));
}
function b8() {
  R[1][0](5);
  R[1][0](P[11]);
}
b0();
