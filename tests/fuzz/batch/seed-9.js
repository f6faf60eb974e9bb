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
  T[1] = setTimeout(() => { log('t1'); b1(); }, 400);
  reg(7, Promise.race([79, 57, 61]));
  reg(8, P[7].then(undefined, undefined));
  T[3] = setTimeout(() => { log('t3'); }, 300);
  reg(9, Promise.race([]));
  queueMicrotask(() => { log('m3'); });
  reg(10, P[9].then((v) => { log('p10:fulfilled:' + fmt(v)); return P[9]; }, undefined));
  reg(11, P[8].then((v) => { log('p11:fulfilled:' + fmt(v)); return v; }, undefined));
  process.nextTick(() => { log('n1'); });
  T[4] = setTimeout(() => { log('t4'); b3(); }, 200);
  reg(13, P[11].then((v) => { log('p13:fulfilled:' + fmt(v)); b4(); return 11; }, (v) => { log('p13:rejected:' + fmt(v)); b5(); return P[8]; }));
  reg(16, Promise.any([P[9]]));
  clearTimeout(T[2]);
  reg(17, P[10].then((v) => { log('p17:fulfilled:' + fmt(v)); b6(); return v; }, undefined));
  reg(19, P[16].finally(() => { log('p19:finally'); b7(); return P[17]; }));
  reg(25, Promise.resolve(thenable(2, 'f', 93)));
}
function b1() {
  queueMicrotask(() => { log('m2'); });
  T[2] = setTimeout(() => { log('t2'); b2(); }, 100);
  reg(5, Promise.resolve(thenable(1, 'f', 83)));
  reg(6, P[5].then((v) => { log('p6:fulfilled:' + fmt(v)); return v; }, (v) => { log('p6:rejected:' + fmt(v)); return P[5]; }));
}
function b2() {
  reg(1, Promise.reject(73));
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return 67; }, undefined));
  reg(3, Promise.any([]));
  reg(4, Promise.reject(52));
}
function b3() {
  reg(12, Promise.reject(81));
}
function b4() {
  reg(14, P[7].then((v) => { log('p14:fulfilled:' + fmt(v)); return v; }, (v) => { log('p14:rejected:' + fmt(v)); return; }));
}
function b5() {
  reg(15, P[11].catch((v) => { log('p15:rejected:' + fmt(v)); return P[11]; }));
  clearTimeout(T[4]);
}
function b6() {
  reg(18, Promise.allSettled([88, 86, P[10], 16]));
}
function b7() {
  reg(20, Promise.race([P[9], P[9], 10]));
  reg(21, P[16].then((v) => { log('p21:fulfilled:' + fmt(v)); return P[8]; }, (v) => { log('p21:rejected:' + fmt(v)); b8(); return 73; }));
  clearImmediate(I[1]);
}
function b8() {
  reg(22, Promise.race([P[8], P[8], P[16], P[10]]));
  reg(23, P[17].catch((v) => { log('p23:rejected:' + fmt(v)); return P[17]; }));
  I[1] = setImmediate(() => { log('i1'); });
  reg(24, Promise.resolve(65));
}
b0();
