// fuzz-node program, seed 3
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
  reg(1, new Promise((res, rej) => { R[1] = [res, rej];  }));
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); b1(); throw 71; }, (v) => { log('p2:rejected:' + fmt(v)); throw v; }));
  I[1] = setImmediate(() => { log('i1'); b2(); });
  T[1] = setTimeout(() => { log('t1'); b3(); }, 300);
  reg(13, Promise.resolve(63));
  { let n = 0; T[2] = setInterval(() => { n++; log('v2:' + n); if (n === 1) clearInterval(T[2]); }, 150); }
  queueMicrotask(() => { log('m1'); });
  R[1][0](28);
}
function b1() {
  reg(3, Promise.reject(8));
  reg(4, P[3].then(undefined, (v) => { log('p4:rejected:' + fmt(v)); return 67; }));
  reg(5, P[3].then((v) => { log('p5:fulfilled:' + fmt(v)); return 93; }, undefined));
}
function b2() {
  reg(6, Promise.any([58, P[1], P[2]]));
}
function b3() {
  reg(7, Promise.any([P[2], P[2]]));
  reg(8, P[7].then((v) => { log('p8:fulfilled:' + fmt(v)); b4(); return v; }, undefined));
  R[1][0](P[8]);
  reg(12, P[7].finally(() => { log('p12:finally'); }));
}
function b4() {
  reg(9, P[2].then((v) => { log('p9:fulfilled:' + fmt(v)); b5(); return v; }, undefined));
}
function b5() {
  reg(10, P[2].then((v) => { log('p10:fulfilled:' + fmt(v)); return 95; }, undefined));
  reg(11, P[1].catch((v) => { log('p11:rejected:' + fmt(v)); throw 15; }));
}
b0();
