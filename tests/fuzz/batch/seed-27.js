// fuzz-node program, seed 27
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
  I[1] = setImmediate(() => { log('i1'); b1(); });
  queueMicrotask(() => { log('m2'); b3(); });
  reg(4, new Promise((res, rej) => { R[4] = [res, rej]; R[4][0](21); }));
  queueMicrotask(() => { log('m4'); });
  reg(5, P[4].then((v) => { log('p5:fulfilled:' + fmt(v)); b5(); throw 55; }, (v) => { log('p5:rejected:' + fmt(v)); return 30; }));
  R[4][0](90);
  R[4][0](59);
  T[4] = setTimeout(() => { log('t4'); }, 200);
}
function b1() {
  reg(1, Promise.resolve(27));
  queueMicrotask(() => { log('m1'); });
  T[1] = setTimeout(() => { log('t1'); b2(); }, 250);
  reg(3, P[1].catch((v) => { log('p3:rejected:' + fmt(v)); return 85; }));
}
function b2() {
  reg(2, Promise.resolve(thenable(1, 'f', 0)));
  T[2] = setTimeout(() => { log('t2'); }, 100);
}
function b3() {
  queueMicrotask(() => { log('m3'); b4(); });
}
function b4() {
  clearImmediate(I[1]);
  T[3] = setTimeout(() => { log('t3'); }, 150);
  clearImmediate(I[1]);
}
function b5() {
  queueMicrotask(() => { log('m5'); b6(); });
  reg(11, Promise.reject(76));
  reg(12, new Promise((res, rej) => { R[12] = [res, rej];  }));
}
function b6() {
  I[2] = setImmediate(() => { log('i2'); });
  reg(6, new Promise((res, rej) => { R[6] = [res, rej];  }));
  reg(7, P[4].then((v) => { log('p7:fulfilled:' + fmt(v)); b7(); return P[8]; }, (v) => { log('p7:rejected:' + fmt(v)); throw v; }));
}
function b7() {
  reg(8, Promise.race([P[4], P[4]]));
  reg(9, P[6].then((v) => { log('p9:fulfilled:' + fmt(v)); return 33; }, (v) => { log('p9:rejected:' + fmt(v)); return thenable(2, 'x', 80); }));
  process.nextTick(() => { log('n1'); });
  reg(10, P[8].then((v) => { log('p10:fulfilled:' + fmt(v)); return 17; }, (v) => { log('p10:rejected:' + fmt(v)); throw v; }));
}
b0();
