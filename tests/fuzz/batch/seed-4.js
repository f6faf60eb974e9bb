// fuzz-node program, seed 4
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
  reg(1, Promise.resolve(8));
  reg(2, new Promise((res, rej) => { R[2] = [res, rej]; R[2][0](97); }));
  reg(3, P[2].then((v) => { log('p3:fulfilled:' + fmt(v)); return P[2]; }, (v) => { log('p3:rejected:' + fmt(v)); throw v; }));
  R[2][1](78);
  reg(4, Promise.resolve(thenable(1, 'fx', 52)));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 100);
  R[2][1](18);
  reg(7, P[2].then((v) => { log('p7:fulfilled:' + fmt(v)); return; }, (v) => { log('p7:rejected:' + fmt(v)); throw v; }));
  reg(8, P[4].catch((v) => { log('p8:rejected:' + fmt(v)); return; }));
  reg(9, new Promise((res, rej) => { R[9] = [res, rej]; R[9][0](P[8]); }));
}
function b1() {
  reg(5, P[4].catch((v) => { log('p5:rejected:' + fmt(v)); return 54; }));
  process.nextTick(() => { log('n1'); });
  reg(6, Promise.resolve(thenable(2, 'x', 14)));
}
b0();
