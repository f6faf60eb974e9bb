// fuzz-node program, seed 5
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
  reg(1, Promise.resolve(62));
  process.nextTick(() => { log('n1'); });
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return v; }, undefined));
  I[1] = setImmediate(() => { log('i1'); b1(); });
  reg(5, Promise.resolve(thenable(1, 'r', 98)));
  reg(6, new Promise((res, rej) => { R[6] = [res, rej];  }));
  reg(7, new Promise((res, rej) => { R[7] = [res, rej]; R[7][0](P[6]); }));
  T[1] = setTimeout(() => { log('t1'); }, 500);
  reg(8, Promise.resolve(63));
  reg(9, P[8].then((v) => { log('p9:fulfilled:' + fmt(v)); b2(); return P[8]; }, undefined));
  reg(14, Promise.all([P[6], P[5], P[2], P[8]]));
  queueMicrotask(() => { log('m1'); b3(); });
  R[6][0](81);
  queueMicrotask(() => { log('m3'); });
  reg(16, P[9].finally(() => { log('p16:finally'); b4(); throw new Error(); }));
  reg(23, new Promise((res, rej) => { R[23] = [res, rej]; R[23][0](P[8]); }));
  reg(24, P[7].then((v) => { log('p24:fulfilled:' + fmt(v)); b7(); throw 50; }, (v) => { log('p24:rejected:' + fmt(v)); b8(); return 98; }));
  clearTimeout(T[1]);
}
function b1() {
  reg(3, P[2].catch((v) => { log('p3:rejected:' + fmt(v)); return 1; }));
  reg(4, P[1].then((v) => { log('p4:fulfilled:' + fmt(v)); return P[1]; }, undefined));
}
function b2() {
  reg(10, Promise.resolve(thenable(2, 'r', 87)));
  reg(11, new Promise((res, rej) => { R[11] = [res, rej];  }));
  reg(12, Promise.race([P[5], 31, P[1], P[8]]));
  reg(13, new Promise((res, rej) => { R[13] = [res, rej]; R[13][0](73); }));
}
function b3() {
  reg(15, P[8].then((v) => { log('p15:fulfilled:' + fmt(v)); return 70; }, undefined));
  queueMicrotask(() => { log('m2'); });
  R[7][1](40);
  process.nextTick(() => { log('n2'); });
}
function b4() {
  reg(17, P[14].then((v) => { log('p17:fulfilled:' + fmt(v)); b5(); return P[6]; }, undefined));
  I[2] = setImmediate(() => { log('i2'); });
}
function b5() {
  reg(18, P[14].then((v) => { log('p18:fulfilled:' + fmt(v)); return v; }, (v) => { log('p18:rejected:' + fmt(v)); b6(); return 89; }));
  clearImmediate(I[1]);
  reg(21, P[9].finally(() => { log('p21:finally'); return P[18]; }));
  reg(22, Promise.reject(27));
}
function b6() {
  reg(19, Promise.resolve(thenable(3, 'x', 94)));
  reg(20, P[9].then((v) => { log('p20:fulfilled:' + fmt(v)); return; }, (v) => { log('p20:rejected:' + fmt(v)); return; }));
}
function b7() {
  reg(25, Promise.allSettled([P[7]]));
}
function b8() {
  reg(26, P[6].then((v) => { log('p26:fulfilled:' + fmt(v)); return; }, (v) => { log('p26:rejected:' + fmt(v)); return 13; }));
  R[6][1](13);
}
b0();
