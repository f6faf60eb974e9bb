// fuzz-node program, seed 14
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
  reg(1, Promise.race([42]));
  I[1] = setImmediate(() => { log('i1'); });
  reg(2, P[1].finally(() => { log('p2:finally'); }));
  reg(3, Promise.resolve(33));
  reg(4, Promise.race([]));
  reg(5, new Promise((res, rej) => { R[5] = [res, rej]; R[5][1](95); }));
  reg(6, P[2].then((v) => { log('p6:fulfilled:' + fmt(v)); b1(); return v; }, undefined));
  reg(10, new Promise((res, rej) => { R[10] = [res, rej];  }));
  queueMicrotask(() => { log('m1'); });
  I[2] = setImmediate(() => { log('i2'); b2(); });
  reg(12, P[4].catch((v) => { log('p12:rejected:' + fmt(v)); b4(); throw 70; }));
  R[10][0](45);
}
function b1() {
  reg(7, new Promise((res, rej) => { R[7] = [res, rej];  }));
  reg(8, P[4].then(undefined, undefined));
  reg(9, P[3].finally(() => { log('p9:finally'); return thenable(1, 'f', 40); }));
}
function b2() {
  queueMicrotask(() => { log('m2'); b3(); });
  reg(11, Promise.resolve(thenable(3, 'r', 25)));
}
function b3() {
  clearImmediate(I[2]);
  R[5][0](thenable(2, 'x', 72));
}
function b4() {
  reg(13, P[10].then((v) => { log('p13:fulfilled:' + fmt(v)); b5(); return thenable(4, 'x', 0); }, undefined));
}
function b5() {
  reg(14, P[10].then((v) => { log('p14:fulfilled:' + fmt(v)); return P[5]; }, (v) => { log('p14:rejected:' + fmt(v)); b6(); return 24; }));
  R[5][0](P[1]);
  reg(18, Promise.reject(69));
  R[10][0](42);
}
function b6() {
  reg(15, Promise.allSettled([P[3], P[2]]));
  reg(16, P[1].catch((v) => { log('p16:rejected:' + fmt(v)); return; }));
  reg(17, P[15].then((v) => { log('p17:fulfilled:' + fmt(v)); return P[5]; }, undefined));
}
b0();
