// fuzz-node program, seed 11
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
  T[1] = setTimeout(() => { log('t1'); b1(); }, 350);
  clearTimeout(T[1]);
  queueMicrotask(() => { log('m1'); b2(); });
  reg(9, new Promise((res, rej) => { R[9] = [res, rej]; R[9][0](11); }));
  reg(10, P[9].then((v) => { log('p10:fulfilled:' + fmt(v)); return P[9]; }, (v) => { log('p10:rejected:' + fmt(v)); throw v; }));
  T[2] = setTimeout(() => { log('t2'); b6(); }, 200);
  reg(11, P[10].catch((v) => { log('p11:rejected:' + fmt(v)); b7(); return 93; }));
  queueMicrotask(() => { log('m4'); });
  reg(26, Promise.resolve(thenable(7, 'f', 44)));
  clearTimeout(T[1]);
  clearTimeout(T[1]);
  R[9][0](P[11]);
}
function b1() {
  reg(1, Promise.resolve(thenable(1, 'r', 84)));
  clearTimeout(T[1]);
}
function b2() {
  reg(2, new Promise((res, rej) => { R[2] = [res, rej]; R[2][0](59); }));
  reg(3, P[2].then((v) => { log('p3:fulfilled:' + fmt(v)); return 62; }, (v) => { log('p3:rejected:' + fmt(v)); b3(); return 55; }));
}
function b3() {
  reg(4, b4());
  R[2][0](50);
  reg(7, P[4].catch((v) => { log('p7:rejected:' + fmt(v)); b5(); throw v; }));
}
async function b4() {
  log('a4');
  log('a4:' + fmt(await P[2]));
  reg(5, Promise.resolve(84));
  reg(6, Promise.all([]));
}
function b5() {
  reg(8, P[2].then((v) => { log('p8:fulfilled:' + fmt(v)); throw 4; }, undefined));
}
function b6() {
  R[9][0](7);
}
function b7() {
  reg(12, P[10].then((v) => { log('p12:fulfilled:' + fmt(v)); return v; }, (v) => { log('p12:rejected:' + fmt(v)); b8(); return P[13]; }));
  reg(16, P[10].then((v) => { log('p16:fulfilled:' + fmt(v)); b10(); throw 76; }, (v) => { log('p16:rejected:' + fmt(v)); b14(); return P[12]; }));
  reg(23, P[16].finally(() => { log('p23:finally'); b15(); throw new Error(); }));
}
function b8() {
  reg(13, P[10].then((v) => { log('p13:fulfilled:' + fmt(v)); b9(); return thenable(3, 'r', 18); }, undefined));
  R[9][0](P[9]);
}
function b9() {
  R[9][1](76);
  reg(14, P[9].then((v) => { log('p14:fulfilled:' + fmt(v)); return thenable(2, 'x', 22); }, undefined));
  reg(15, new Promise((res, rej) => { R[15] = [res, rej];  }));
}
function b10() {
  process.nextTick(() => { log('n1'); b11(); });
  reg(20, Promise.resolve(thenable(5, 'x', 64)));
  I[1] = setImmediate(() => { log('i1'); b12(); });
  queueMicrotask(() => { log('m2'); b13(); });
}
function b11() {
  reg(17, P[12].then((v) => { log('p17:fulfilled:' + fmt(v)); return 59; }, undefined));
  reg(18, Promise.allSettled([P[9], P[10], P[12]]));
  reg(19, Promise.resolve(thenable(4, 'x', 37)));
  R[9][0](68);
}
function b12() {
  reg(21, Promise.all([P[12], 73, 9, P[12]]));
}
function b13() {
  R[9][0](thenable(6, 'fx', 70));
}
function b14() {
  reg(22, P[10].then(undefined, undefined));
}
function b15() {
  clearTimeout(T[2]);
  reg(24, b16());
  reg(25, Promise.reject(9));
  queueMicrotask(() => { log('m3'); });
}
async function b16() {
  log('a24');
  return;
}
b0();
