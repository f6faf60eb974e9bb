// fuzz-node program, seed 18
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
  reg(1, Promise.resolve(thenable(1, 'f', 80)));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 450);
  queueMicrotask(() => { log('m1'); });
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return 89; }, (v) => { log('p2:rejected:' + fmt(v)); return 20; }));
  reg(3, P[1].then((v) => { log('p3:fulfilled:' + fmt(v)); return 82; }, undefined));
  T[3] = setTimeout(() => { log('t3'); b3(); }, 400);
  reg(5, new Promise((res, rej) => { R[5] = [res, rej];  }));
  reg(6, Promise.resolve(69));
  reg(7, Promise.resolve(thenable(2, 'f', 70)));
  reg(8, new Promise((res, rej) => { R[8] = [res, rej]; R[8][0](73); }));
  R[8][0](P[7]);
  reg(9, P[8].then(undefined, (v) => { log('p9:rejected:' + fmt(v)); b4(); return 16; }));
  process.nextTick(() => { log('n1'); b5(); });
  reg(16, new Promise((res, rej) => { R[16] = [res, rej]; R[16][1](38); }));
}
function b1() {
  T[2] = setTimeout(() => { log('t2'); b2(); }, 50);
}
function b2() {
  clearTimeout(T[2]);
}
function b3() {
  queueMicrotask(() => { log('m2'); });
  reg(4, P[2].then((v) => { log('p4:fulfilled:' + fmt(v)); return P[3]; }, undefined));
}
function b4() {
  reg(10, P[8].then((v) => { log('p10:fulfilled:' + fmt(v)); return 78; }, undefined));
}
function b5() {
  reg(11, new Promise((res, rej) => { R[11] = [res, rej];  }));
  reg(12, P[11].then((v) => { log('p12:fulfilled:' + fmt(v)); throw 90; }, (v) => { log('p12:rejected:' + fmt(v)); b6(); return 24; }));
  reg(14, P[11].then((v) => { log('p14:fulfilled:' + fmt(v)); return 73; }, undefined));
  reg(15, P[9].then((v) => { log('p15:fulfilled:' + fmt(v)); return thenable(3, 'ff', 13); }, (v) => { log('p15:rejected:' + fmt(v)); return 20; }));
}
function b6() {
  reg(13, new Promise((res, rej) => { R[13] = [res, rej];  }));
}
b0();
