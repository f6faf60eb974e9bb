// fuzz-node program, seed 9
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
  queueMicrotask(() => { log('m1'); });
  reg(1, Promise.resolve(91));
  reg(2, Promise.resolve(63));
  reg(3, P[1].then(undefined, (v) => { log('p3:rejected:' + fmt(v)); throw v; }));
  reg(4, Promise.all([45, 18, P[2], P[3]]));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 300);
  process.nextTick(() => { log('n1'); });
  T[4] = setTimeout(() => { log('t4'); b4(); }, 150);
  clearTimeout(T[3]);
  reg(14, P[3].then((v) => { log('p14:fulfilled:' + fmt(v)); b7(); return P[3]; }, undefined));
  reg(16, Promise.resolve(39));
  T[6] = setTimeout(() => { log('t6'); }, 350);
  I[1] = setImmediate(() => { log('i1'); });
  queueMicrotask(() => { log('m2'); });
  clearImmediate(I[1]);
  reg(17, P[16].then((v) => { log('p17:fulfilled:' + fmt(v)); return v; }, (v) => { log('p17:rejected:' + fmt(v)); b8(); return thenable(1, 'f', 46); }));
}
function b1() {
  reg(5, P[2].then((v) => { log('p5:fulfilled:' + fmt(v)); return v; }, (v) => { log('p5:rejected:' + fmt(v)); return P[1]; }));
  T[2] = setTimeout(() => { log('t2'); b2(); }, 100);
  T[3] = setTimeout(() => { log('t3'); b3(); }, 200);
  reg(9, P[2].then((v) => { log('p9:fulfilled:' + fmt(v)); return v; }, undefined));
}
function b2() {
  reg(6, Promise.reject(92));
}
function b3() {
  reg(7, Promise.race([P[1]]));
  reg(8, P[2].catch((v) => { log('p8:rejected:' + fmt(v)); return P[7]; }));
}
function b4() {
  T[5] = setTimeout(() => { log('t5'); }, 50);
  reg(10, P[4].then((v) => { log('p10:fulfilled:' + fmt(v)); b5(); return 11; }, (v) => { log('p10:rejected:' + fmt(v)); b6(); throw 90; }));
}
function b5() {
  reg(11, P[1].then((v) => { log('p11:fulfilled:' + fmt(v)); return v; }, (v) => { log('p11:rejected:' + fmt(v)); return; }));
}
function b6() {
  reg(12, P[4].then((v) => { log('p12:fulfilled:' + fmt(v)); throw 94; }, undefined));
  reg(13, Promise.allSettled([P[12], 8]));
}
function b7() {
  reg(15, P[4].finally(() => { log('p15:finally'); return P[4]; }));
}
function b8() {
  clearImmediate(I[1]);
}
b0();
