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
  reg(1, Promise.any([19, 72]));
  reg(2, Promise.all([P[1]]));
  reg(3, Promise.reject(96));
  reg(4, Promise.resolve(thenable(1, 'f', 32)));
  queueMicrotask(() => { log('m1'); b1(); });
  reg(6, new Promise((res, rej) => { R[6] = [res, rej];  }));
  T[1] = setTimeout(() => { log('t1'); b2(); }, 150);
  reg(8, P[2].then((v) => { log('p8:fulfilled:' + fmt(v)); return thenable(2, 'x', 24); }, (v) => { log('p8:rejected:' + fmt(v)); throw 70; }));
  R[6][0](thenable(3, 'fx', 27));
  reg(9, P[4].then((v) => { log('p9:fulfilled:' + fmt(v)); return v; }, undefined));
  R[6][0](P[8]);
  R[6][0](thenable(4, 'f', 24));
}
function b1() {
  reg(5, P[4].finally(() => { log('p5:finally'); }));
}
function b2() {
  reg(7, P[6].finally(() => { log('p7:finally'); return P[3]; }));
}
b0();
