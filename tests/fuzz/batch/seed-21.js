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
  reg(2, P[1].catch((v) => { log('p2:rejected:' + fmt(v)); throw v; }));
  reg(3, Promise.reject(34));
  reg(4, P[2].finally(() => { log('p4:finally'); }));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 200);
  reg(8, new Promise((res, rej) => { R[8] = [res, rej];  }));
  reg(9, P[1].then((v) => { log('p9:fulfilled:' + fmt(v)); b3(); return; }, (v) => { log('p9:rejected:' + fmt(v)); return P[3]; }));
  reg(11, Promise.race([24, P[1]]));
  clearTimeout(T[1]);
  clearTimeout(T[1]);
}
function b1() {
  queueMicrotask(() => { log('m1'); });
  reg(5, P[3].then((v) => { log('p5:fulfilled:' + fmt(v)); b2(); return; }, (v) => { log('p5:rejected:' + fmt(v)); throw 78; }));
}
function b2() {
  reg(6, Promise.resolve(thenable(1, 'f', 63)));
  reg(7, Promise.allSettled([P[4], P[6], 79, P[1]]));
}
function b3() {
  reg(10, P[2].then(undefined, (v) => { log('p10:rejected:' + fmt(v)); return P[2]; }));
}
b0();
