// fuzz-node program, seed 17
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
  reg(1, Promise.allSettled([76]));
  T[1] = setTimeout(() => { log('t1'); }, 200);
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return v; }, (v) => { log('p2:rejected:' + fmt(v)); throw v; }));
  reg(3, P[2].then((v) => { log('p3:fulfilled:' + fmt(v)); return; }, (v) => { log('p3:rejected:' + fmt(v)); return 42; }));
  reg(4, P[1].then((v) => { log('p4:fulfilled:' + fmt(v)); return; }, undefined));
  reg(5, Promise.resolve(thenable(1, 'f', 71)));
  reg(6, Promise.reject(39));
  reg(7, P[6].then((v) => { log('p7:fulfilled:' + fmt(v)); return P[2]; }, (v) => { log('p7:rejected:' + fmt(v)); throw v; }));
  reg(8, P[6].then(undefined, undefined));
  process.nextTick(() => { log('n1'); });
}
b0();
