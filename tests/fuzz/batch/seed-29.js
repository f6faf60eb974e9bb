// fuzz-node program, seed 29
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
  reg(1, Promise.reject(24));
  reg(2, Promise.all([P[1], P[1]]));
  { let n = 0; T[1] = setInterval(() => { n++; log('v1:' + n); if (n === 3) clearInterval(T[1]); }, 150); }
  process.nextTick(() => { log('n1'); });
  reg(3, P[1].then((v) => { log('p3:fulfilled:' + fmt(v)); b1(); return v; }, undefined));
  queueMicrotask(() => { log('m2'); });
  T[2] = setTimeout(() => { log('t2'); b4(); }, 200);
  reg(10, P[2].then((v) => { log('p10:fulfilled:' + fmt(v)); return 44; }, (v) => { log('p10:rejected:' + fmt(v)); return P[2]; }));
  reg(11, Promise.all([]));
}
function b1() {
  process.nextTick(() => { log('n2'); b2(); });
  reg(8, Promise.allSettled([P[1]]));
}
function b2() {
  reg(4, Promise.reject(34));
  queueMicrotask(() => { log('m1'); b3(); });
  I[1] = setImmediate(() => { log('i1'); });
}
function b3() {
  reg(5, new Promise((res, rej) => { R[5] = [res, rej]; R[5][0](P[2]); }));
  reg(6, Promise.resolve(thenable(1, 'fx', 53)));
  reg(7, P[4].finally(() => { log('p7:finally'); return P[2]; }));
}
function b4() {
  reg(9, P[3].catch((v) => { log('p9:rejected:' + fmt(v)); return P[3]; }));
}
b0();
