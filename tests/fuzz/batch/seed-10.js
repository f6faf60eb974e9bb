// fuzz-node program, seed 10
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
  T[1] = setTimeout(() => { log('t1'); b1(); }, 300);
  process.nextTick(() => { log('n2'); b4(); });
  T[3] = setTimeout(() => { log('t3'); b5(); }, 250);
  queueMicrotask(() => { log('m1'); });
  reg(10, new Promise((res, rej) => { R[10] = [res, rej]; R[10][0](thenable(3, 'f', 16)); }));
  reg(11, Promise.resolve(thenable(4, 'ff', 95)));
  reg(12, Promise.any([84, P[10], P[11], 69]));
  T[5] = setTimeout(() => { log('t5'); b7(); }, 150);
  R[10][0](thenable(5, 'x', 28));
  clearImmediate(I[1]);
  reg(15, P[12].then((v) => { log('p15:fulfilled:' + fmt(v)); return P[10]; }, (v) => { log('p15:rejected:' + fmt(v)); b8(); return P[20]; }));
  reg(21, Promise.any([18, P[15], 32]));
  clearImmediate(I[1]);
  reg(22, P[21].then((v) => { log('p22:fulfilled:' + fmt(v)); b11(); return v; }, (v) => { log('p22:rejected:' + fmt(v)); throw v; }));
  reg(24, Promise.resolve(thenable(7, 'f', 22)));
}
function b1() {
  process.nextTick(() => { log('n1'); b2(); });
}
function b2() {
  T[2] = setTimeout(() => { log('t2'); b3(); }, 50);
  reg(2, Promise.resolve(thenable(1, 'f', 34)));
  reg(3, Promise.all([P[2]]));
  reg(4, Promise.reject(14));
}
function b3() {
  reg(1, new Promise((res, rej) => { R[1] = [res, rej]; R[1][0](80); }));
  R[1][1](52);
}
function b4() {
  reg(5, Promise.resolve(thenable(2, 'r', 62)));
  reg(6, P[5].then(undefined, (v) => { log('p6:rejected:' + fmt(v)); throw v; }));
  reg(7, Promise.resolve(59));
  reg(8, P[5].catch((v) => { log('p8:rejected:' + fmt(v)); throw v; }));
}
function b5() {
  T[4] = setTimeout(() => { log('t4'); b6(); }, 200);
  reg(9, new Promise((res, rej) => { R[9] = [res, rej];  }));
}
function b6() {
  I[1] = setImmediate(() => { log('i1'); });
}
function b7() {
  reg(13, P[12].then((v) => { log('p13:fulfilled:' + fmt(v)); return P[11]; }, (v) => { log('p13:rejected:' + fmt(v)); return P[10]; }));
  reg(14, new Promise((res, rej) => { R[14] = [res, rej];  }));
}
function b8() {
  clearTimeout(T[4]);
  reg(16, P[10].then((v) => { log('p16:fulfilled:' + fmt(v)); b9(); return 52; }, (v) => { log('p16:rejected:' + fmt(v)); return 53; }));
  reg(19, P[11].then((v) => { log('p19:fulfilled:' + fmt(v)); return thenable(6, 'r', 46); }, undefined));
  reg(20, Promise.reject(55));
}
function b9() {
  process.nextTick(() => { log('n3'); b10(); });
  reg(17, Promise.all([P[10], P[10], P[12], P[11]]));
  reg(18, Promise.allSettled([39, P[17], 54]));
}
function b10() {
  R[10][1](21);
}
function b11() {
  clearTimeout(T[4]);
  clearImmediate(I[1]);
  reg(23, P[15].catch((v) => { log('p23:rejected:' + fmt(v)); return P[21]; }));
}
b0();
