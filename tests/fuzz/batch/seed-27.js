// fuzz-node program, seed 27
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
  I[1] = setImmediate(() => { log('i1'); b1(); });
  reg(5, new Promise((res, rej) => { R[5] = [res, rej]; R[5][0](83); }));
  reg(6, P[5].then((v) => { log('p6:fulfilled:' + fmt(v)); return 8; }, undefined));
  reg(7, P[5].then((v) => { log('p7:fulfilled:' + fmt(v)); b4(); return 8; }, undefined));
  reg(11, Promise.race([P[5], P[5]]));
  reg(12, P[7].then((v) => { log('p12:fulfilled:' + fmt(v)); return thenable(1, 'fx', 7); }, undefined));
  reg(13, Promise.resolve(44));
}
function b1() {
  reg(1, Promise.resolve(27));
  queueMicrotask(() => { log('m1'); });
  T[1] = setTimeout(() => { log('t1'); b2(); }, 250);
  reg(4, P[1].catch((v) => { log('p4:rejected:' + fmt(v)); b3(); throw v; }));
}
function b2() {
  reg(2, Promise.race([P[1]]));
  reg(3, P[1].finally(() => { log('p3:finally'); }));
}
function b3() {
  queueMicrotask(() => { log('m2'); });
}
function b4() {
  reg(8, Promise.resolve(24));
  reg(9, P[8].catch((v) => { log('p9:rejected:' + fmt(v)); throw 63; }));
  reg(10, Promise.reject(14));
}
b0();
