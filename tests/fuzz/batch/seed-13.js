// fuzz-node program, seed 13
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
  process.nextTick(() => { log('n1'); b1(); });
  reg(3, new Promise((res, rej) => { R[3] = [res, rej];  }));
  reg(4, Promise.all([]));
  reg(5, Promise.resolve(thenable(1, 'ff', 36)));
  reg(6, P[4].then((v) => { log('p6:fulfilled:' + fmt(v)); return; }, undefined));
  queueMicrotask(() => { log('m1'); b3(); });
  reg(9, Promise.reject(75));
  reg(10, Promise.reject(10));
  reg(11, Promise.resolve(thenable(3, 'ff', 99)));
  reg(12, P[10].catch((v) => { log('p12:rejected:' + fmt(v)); b4(); return thenable(4, 'fx', 53); }));
  reg(15, Promise.any([P[5], P[6], P[3]]));
  reg(16, Promise.resolve(92));
}
function b1() {
  I[1] = setImmediate(() => { log('i1'); b2(); });
}
function b2() {
  reg(1, Promise.race([75, 29, 16]));
  reg(2, Promise.race([P[1], P[1], P[1]]));
}
function b3() {
  reg(7, Promise.resolve(17));
  reg(8, Promise.resolve(thenable(2, 'ff', 11)));
}
function b4() {
  reg(13, Promise.resolve(24));
  reg(14, Promise.resolve(69));
  R[3][1](69);
  R[3][0](P[14]);
}
b0();
