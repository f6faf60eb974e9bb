// fuzz-node program, seed 21
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
  reg(1, Promise.reject(38));
  T[1] = setTimeout(() => { log('t1'); }, 500);
  reg(2, Promise.any([P[1], P[1], P[1], P[1]]));
  process.nextTick(() => { log('n1'); });
  reg(3, new Promise((res, rej) => { R[3] = [res, rej]; throw 9; }));
  reg(4, P[3].then((v) => { log('p4:fulfilled:' + fmt(v)); return 33; }, (v) => { log('p4:rejected:' + fmt(v)); throw v; }));
  T[2] = setTimeout(() => { log('t2'); }, 250);
  reg(5, P[2].then(undefined, undefined));
  reg(6, P[4].then((v) => { log('p6:fulfilled:' + fmt(v)); b1(); return; }, (v) => { log('p6:rejected:' + fmt(v)); return P[3]; }));
  reg(9, Promise.race([24, P[1]]));
  clearTimeout(T[1]);
  reg(10, P[3].then((v) => { log('p10:fulfilled:' + fmt(v)); throw 19; }, undefined));
  reg(11, Promise.allSettled([P[1], P[1], P[1], P[6]]));
}
function b1() {
  reg(7, Promise.all([P[5]]));
  I[1] = setImmediate(() => { log('i1'); b2(); });
}
function b2() {
  reg(8, P[2].then(undefined, (v) => { log('p8:rejected:' + fmt(v)); return P[2]; }));
}
b0();
