// fuzz-node program, seed 28
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
  T[1] = setTimeout(() => { log('t1'); b1(); }, 450);
  reg(2, Promise.reject(91));
  reg(3, P[2].catch((v) => { log('p3:rejected:' + fmt(v)); return 33; }));
  reg(4, new Promise((res, rej) => { R[4] = [res, rej];  }));
  reg(5, P[4].finally(() => { log('p5:finally'); b2(); return P[9]; }));
  reg(10, Promise.race([P[5], P[4], P[5], P[2]]));
  reg(11, P[5].then(undefined, (v) => { log('p11:rejected:' + fmt(v)); return P[4]; }));
  reg(12, P[10].then(undefined, (v) => { log('p12:rejected:' + fmt(v)); b4(); throw v; }));
  T[2] = setTimeout(() => { log('t2'); b7(); }, 250);
  reg(27, Promise.resolve(83));
  reg(28, new Promise((res, rej) => { R[28] = [res, rej];  }));
  reg(29, Promise.race([P[4], P[4]]));
  reg(30, Promise.all([P[10], P[28], P[12]]));
  reg(31, Promise.resolve(70));
  reg(32, new Promise((res, rej) => { R[32] = [res, rej];  }));
  clearTimeout(T[2]);
  T[3] = setTimeout(() => { log('t3'); b9(); }, 200);
}
function b1() {
  reg(1, new Promise((res, rej) => { R[1] = [res, rej];  }));
  R[1][0](thenable(1, 'ff', 6));
}
function b2() {
  reg(6, P[3].then((v) => { log('p6:fulfilled:' + fmt(v)); return; }, undefined));
  reg(7, P[4].finally(() => { log('p7:finally'); b3(); }));
  reg(9, new Promise((res, rej) => { R[9] = [res, rej]; R[9][0](53); }));
}
function b3() {
  reg(8, P[4].finally(() => { log('p8:finally'); throw new Error(); }));
}
function b4() {
  I[1] = setImmediate(() => { log('i1'); b5(); });
  reg(16, new Promise((res, rej) => { R[16] = [res, rej]; R[16][0](P[4]); }));
  R[16][0](thenable(2, 'f', 79));
  reg(17, P[10].then((v) => { log('p17:fulfilled:' + fmt(v)); b6(); return 67; }, undefined));
}
function b5() {
  reg(13, P[4].then((v) => { log('p13:fulfilled:' + fmt(v)); return P[5]; }, undefined));
  reg(14, Promise.reject(35));
  reg(15, Promise.reject(88));
  clearImmediate(I[1]);
}
function b6() {
  clearImmediate(I[1]);
  reg(18, new Promise((res, rej) => { R[18] = [res, rej]; R[18][0](thenable(3, 'fx', 48)); }));
  reg(19, Promise.allSettled([]));
  reg(20, P[4].then((v) => { log('p20:fulfilled:' + fmt(v)); return P[4]; }, undefined));
}
function b7() {
  R[4][0](thenable(4, 'ff', 40));
  reg(21, Promise.reject(45));
  reg(22, P[3].then((v) => { log('p22:fulfilled:' + fmt(v)); b8(); return v; }, undefined));
  reg(26, Promise.reject(94));
}
function b8() {
  clearImmediate(I[1]);
  reg(23, new Promise((res, rej) => { R[23] = [res, rej];  }));
  reg(24, new Promise((res, rej) => { R[24] = [res, rej]; R[24][0](thenable(5, 'x', 13)); }));
  reg(25, new Promise((res, rej) => { R[25] = [res, rej];  }));
}
function b9() {
  reg(33, P[10].then((v) => { log('p33:fulfilled:' + fmt(v)); return P[4]; }, undefined));
  reg(34, Promise.all([]));
}
b0();
