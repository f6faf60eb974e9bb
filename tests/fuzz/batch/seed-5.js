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
  queueMicrotask(() => { log('m1'); });
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return v; }, undefined));
  I[1] = setImmediate(() => { log('i1'); b1(); });
  reg(4, Promise.reject(27));
  queueMicrotask(() => { log('m2'); });
  reg(5, b2());
  reg(6, P[4].then((v) => { log('p6:fulfilled:' + fmt(v)); return 63; }, undefined));
  reg(7, Promise.resolve(thenable(1, 'fx', 60)));
  I[3] = setImmediate(() => { log('i3'); });
  reg(8, Promise.allSettled([P[2], 27, 1, P[6]]));
  reg(9, P[6].then((v) => { log('p9:fulfilled:' + fmt(v)); return 93; }, (v) => { log('p9:rejected:' + fmt(v)); return P[5]; }));
  reg(10, P[6].catch((v) => { log('p10:rejected:' + fmt(v)); throw v; }));
  T[1] = setTimeout(() => { log('t1'); b3(); }, 150);
  reg(19, Promise.reject(27));
  reg(20, P[9].then((v) => { log('p20:fulfilled:' + fmt(v)); b8(); return 10; }, (v) => { log('p20:rejected:' + fmt(v)); return; }));
  { let n = 0; T[3] = setInterval(() => { n++; log('v3:' + n); if (n === 2) clearInterval(T[3]); }, 100); }
  reg(23, Promise.any([P[9], P[4]]));
}
function b1() {
  reg(3, P[2].finally(() => { log('p3:finally'); }));
  I[2] = setImmediate(() => { log('i2'); });
}
async function b2() {
  log('a5');
  log('a5:' + fmt(await P[2]));
  return 86;
}
function b3() {
  reg(11, Promise.resolve(25));
  reg(12, P[9].then((v) => { log('p12:fulfilled:' + fmt(v)); return v; }, (v) => { log('p12:rejected:' + fmt(v)); b4(); return; }));
  T[2] = setTimeout(() => { log('t2'); b6(); }, 300);
}
function b4() {
  reg(13, b5());
  process.nextTick(() => { log('n1'); });
}
async function b5() {
  log('a13');
  reg(14, P[11].then((v) => { log('p14:fulfilled:' + fmt(v)); throw 40; }, undefined));
  return await P[14];
}
function b6() {
  queueMicrotask(() => { log('m3'); b7(); });
  reg(17, Promise.all([28, P[2], P[4], 45]));
  reg(18, P[11].then(undefined, undefined));
}
function b7() {
  reg(15, new Promise((res, rej) => { R[15] = [res, rej]; R[15][0](25); }));
  R[15][0](P[1]);
  reg(16, P[1].then((v) => { log('p16:fulfilled:' + fmt(v)); throw 33; }, undefined));
}
function b8() {
  clearTimeout(T[1]);
  reg(21, Promise.reject(66));
  reg(22, P[19].catch((v) => { log('p22:rejected:' + fmt(v)); throw 56; }));
}
b0();
