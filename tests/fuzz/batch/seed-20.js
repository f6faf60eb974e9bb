// fuzz-node program, seed 20
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
  reg(1, Promise.reject(42));
  reg(2, Promise.reject(72));
  reg(3, P[2].catch((v) => { log('p3:rejected:' + fmt(v)); b1(); return P[1]; }));
  reg(5, Promise.resolve(thenable(1, 'f', 31)));
  reg(6, Promise.all([30, P[2], P[1], P[1]]));
  queueMicrotask(() => { log('m1'); });
  reg(7, P[6].then((v) => { log('p7:fulfilled:' + fmt(v)); return P[1]; }, (v) => { log('p7:rejected:' + fmt(v)); return thenable(2, 'f', 1); }));
  T[1] = setTimeout(() => { log('t1'); }, 300);
  reg(8, P[3].finally(() => { log('p8:finally'); return P[2]; }));
  reg(9, P[6].then((v) => { log('p9:fulfilled:' + fmt(v)); return v; }, undefined));
}
function b1() {
  reg(4, new Promise((res, rej) => { R[4] = [res, rej]; R[4][0](20); }));
}
b0();
