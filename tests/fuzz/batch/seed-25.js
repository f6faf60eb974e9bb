// fuzz-node program, seed 25
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
  reg(1, Promise.allSettled([10, 42]));
  reg(2, Promise.resolve(thenable(1, 'f', 24)));
  process.nextTick(() => { log('n1'); });
  reg(3, Promise.resolve(74));
  reg(4, new Promise((res, rej) => { R[4] = [res, rej];  }));
  T[1] = setTimeout(() => { log('t1'); }, 550);
  R[4][0](15);
  reg(5, Promise.resolve(thenable(2, 'x', 11)));
  reg(6, new Promise((res, rej) => { R[6] = [res, rej]; R[6][0](96); }));
  reg(7, P[4].finally(() => { log('p7:finally'); return P[2]; }));
  T[2] = setTimeout(() => { log('t2'); }, 350);
  R[4][0](thenable(3, 'x', 78));
  reg(8, P[7].then((v) => { log('p8:fulfilled:' + fmt(v)); b1(); return 54; }, (v) => { log('p8:rejected:' + fmt(v)); return 25; }));
  reg(14, Promise.resolve(thenable(4, 'f', 81)));
  process.nextTick(() => { log('n3'); });
  process.nextTick(() => { log('n4'); b5(); });
}
function b1() {
  I[1] = setImmediate(() => { log('i1'); b2(); });
  process.nextTick(() => { log('n2'); b4(); });
  reg(13, new Promise((res, rej) => { R[13] = [res, rej];  }));
}
function b2() {
  reg(9, P[6].then((v) => { log('p9:fulfilled:' + fmt(v)); b3(); throw 47; }, undefined));
}
function b3() {
  reg(10, P[6].then((v) => { log('p10:fulfilled:' + fmt(v)); return 63; }, (v) => { log('p10:rejected:' + fmt(v)); return P[7]; }));
  reg(11, P[2].then((v) => { log('p11:fulfilled:' + fmt(v)); throw 13; }, undefined));
}
function b4() {
  reg(12, Promise.race([P[4], P[6]]));
}
function b5() {
  reg(15, P[5].then((v) => { log('p15:fulfilled:' + fmt(v)); b6(); throw 73; }, undefined));
  reg(17, P[15].then((v) => { log('p17:fulfilled:' + fmt(v)); throw 26; }, (v) => { log('p17:rejected:' + fmt(v)); return P[4]; }));
  clearTimeout(T[1]);
}
function b6() {
  process.nextTick(() => { log('n5'); });
  reg(16, new Promise((res, rej) => { R[16] = [res, rej];  }));
}
b0();
