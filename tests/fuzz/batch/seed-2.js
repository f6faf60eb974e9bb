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
  reg(2, P[1].catch((v) => { log('p2:rejected:' + fmt(v)); return P[1]; }));
  reg(3, Promise.reject(42));
  reg(4, P[1].then((v) => { log('p4:fulfilled:' + fmt(v)); return P[4]; }, undefined));
  process.nextTick(() => { log('n1'); b1(); });
  reg(5, Promise.race([]));
  queueMicrotask(() => { log('m1'); b2(); });
  reg(9, P[4].finally(() => { log('p9:finally'); return P[5]; }));
  clearImmediate(I[1]);
}
function b1() {
  I[1] = setImmediate(() => { log('i1'); });
}
function b2() {
  reg(6, P[5].then((v) => { log('p6:fulfilled:' + fmt(v)); return thenable(1, 'f', 67); }, (v) => { log('p6:rejected:' + fmt(v)); return P[3]; }));
  reg(7, P[6].finally(() => { log('p7:finally'); return P[4]; }));
  T[1] = setTimeout(() => { log('t1'); }, 100);
  reg(8, P[5].then((v) => { log('p8:fulfilled:' + fmt(v)); return; }, undefined));
}
b0();
