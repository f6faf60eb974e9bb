// fuzz-node program, seed 16
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
  T[1] = setTimeout(() => { log('t1'); b1(); }, 250);
  I[1] = setImmediate(() => { log('i1'); b2(); });
  reg(6, Promise.reject(49));
  reg(7, new Promise((res, rej) => { R[7] = [res, rej]; R[7][0](P[6]); }));
  reg(8, Promise.reject(35));
  reg(9, Promise.reject(73));
  clearTimeout(T[1]);
  R[7][0](thenable(2, 'fx', 30));
  reg(10, P[6].then((v) => { log('p10:fulfilled:' + fmt(v)); return v; }, (v) => { log('p10:rejected:' + fmt(v)); throw v; }));
}
function b1() {
  { let n = 0; T[2] = setInterval(() => { n++; log('v2:' + n); if (n === 2) clearInterval(T[2]); }, 50); }
}
function b2() {
  reg(1, Promise.all([41, 84]));
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return thenable(1, 'fx', 79); }, (v) => { log('p2:rejected:' + fmt(v)); b3(); return; }));
}
function b3() {
  queueMicrotask(() => { log('m1'); });
  reg(3, P[1].then((v) => { log('p3:fulfilled:' + fmt(v)); return P[1]; }, undefined));
  reg(4, P[1].then((v) => { log('p4:fulfilled:' + fmt(v)); return P[1]; }, (v) => { log('p4:rejected:' + fmt(v)); throw v; }));
  reg(5, Promise.resolve(55));
}
b0();
