// fuzz-node program, seed 2
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
  reg(1, Promise.reject(53));
  reg(2, P[1].finally(() => { log('p2:finally'); return P[1]; }));
  reg(3, P[1].then((v) => { log('p3:fulfilled:' + fmt(v)); return 67; }, (v) => { log('p3:rejected:' + fmt(v)); return; }));
  reg(4, P[1].finally(() => { log('p4:finally'); b1(); }));
  reg(6, b2());
  reg(9, P[3].catch((v) => { log('p9:rejected:' + fmt(v)); b3(); throw v; }));
  T[1] = setTimeout(() => { log('t1'); b6(); }, 350);
  reg(19, P[9].then((v) => { log('p19:fulfilled:' + fmt(v)); return 31; }, undefined));
  reg(20, P[9].finally(() => { log('p20:finally'); return P[3]; }));
  clearTimeout(T[1]);
  reg(21, Promise.any([P[3], P[2], P[20], P[3]]));
  queueMicrotask(() => { log('m1'); b7(); });
}
function b1() {
  reg(5, Promise.all([23, P[2], P[2]]));
}
async function b2() {
  log('a6');
  log('a6:' + fmt(await P[4]));
  log('a6:' + fmt(await P[4]));
  reg(7, Promise.any([P[4]]));
  try { log('a6:' + fmt(await P[3])); } catch (e) { log('a6:caught:' + fmt(e)); }
  reg(8, Promise.any([P[7], P[3]]));
}
function b3() {
  reg(10, P[6].then((v) => { log('p10:fulfilled:' + fmt(v)); b4(); return; }, (v) => { log('p10:rejected:' + fmt(v)); return P[1]; }));
  reg(15, P[1].then((v) => { log('p15:fulfilled:' + fmt(v)); return v; }, undefined));
  reg(16, Promise.all([44]));
}
function b4() {
  I[1] = setImmediate(() => { log('i1'); b5(); });
}
function b5() {
  reg(11, Promise.resolve(77));
  reg(12, Promise.resolve(thenable(1, 'r', 39)));
  reg(13, P[12].catch((v) => { log('p13:rejected:' + fmt(v)); return 8; }));
  reg(14, P[13].then((v) => { log('p14:fulfilled:' + fmt(v)); return v; }, (v) => { log('p14:rejected:' + fmt(v)); return 65; }));
}
function b6() {
  reg(17, new Promise((res, rej) => { R[17] = [res, rej]; R[17][0](thenable(2, 'x', 20)); }));
  reg(18, Promise.reject(25));
}
function b7() {
  reg(22, P[9].then((v) => { log('p22:fulfilled:' + fmt(v)); return P[19]; }, undefined));
}
b0();
