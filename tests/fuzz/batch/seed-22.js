// fuzz-node program, seed 22
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
  reg(1, Promise.resolve(20));
  reg(2, Promise.all([P[1], P[1]]));
  reg(3, Promise.reject(49));
  reg(4, Promise.resolve(55));
  reg(5, new Promise((res, rej) => { R[5] = [res, rej]; R[5][0](P[3]); }));
  reg(6, P[4].catch((v) => { log('p6:rejected:' + fmt(v)); return; }));
  process.nextTick(() => { log('n1'); });
  T[1] = setTimeout(() => { log('t1'); b1(); }, 150);
  reg(13, P[5].then((v) => { log('p13:fulfilled:' + fmt(v)); b5(); return 48; }, undefined));
  reg(18, P[6].finally(() => { log('p18:finally'); b6(); return thenable(2, 'r', 89); }));
  reg(19, P[6].then(undefined, (v) => { log('p19:rejected:' + fmt(v)); return; }));
}
function b1() {
  queueMicrotask(() => { log('m1'); b2(); });
  reg(8, Promise.all([P[3]]));
  reg(9, P[1].finally(() => { log('p9:finally'); b3(); }));
  I[1] = setImmediate(() => { log('i1'); });
}
function b2() {
  reg(7, Promise.resolve(thenable(1, 'f', 12)));
}
function b3() {
  reg(10, new Promise((res, rej) => { R[10] = [res, rej]; R[10][0](41); }));
  reg(11, P[10].then((v) => { log('p11:fulfilled:' + fmt(v)); b4(); return; }, (v) => { log('p11:rejected:' + fmt(v)); return P[10]; }));
}
function b4() {
  reg(12, P[8].then(undefined, (v) => { log('p12:rejected:' + fmt(v)); throw 75; }));
}
function b5() {
  reg(14, Promise.reject(48));
  reg(15, Promise.resolve(95));
  reg(16, Promise.race([P[6], P[5], P[15], P[15]]));
  reg(17, Promise.race([P[1]]));
}
function b6() {
  clearTimeout(T[1]);
}
b0();
