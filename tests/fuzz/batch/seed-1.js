// fuzz-node program, seed 1
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
  reg(1, Promise.resolve(thenable(1, 'ff', 96)));
  reg(2, new Promise((res, rej) => { R[2] = [res, rej]; R[2][0](P[1]); }));
  R[2][0](40);
  reg(3, new Promise((res, rej) => { R[3] = [res, rej];  }));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 100);
  reg(6, P[3].then(undefined, (v) => { log('p6:rejected:' + fmt(v)); return 32; }));
  clearTimeout(T[1]);
  reg(7, Promise.resolve(72));
}
function b1() {
  reg(4, Promise.resolve(thenable(2, 'f', 4)));
  T[2] = setTimeout(() => { log('t2'); }, 300);
  reg(5, Promise.resolve(thenable(3, 'f', 65)));
}
b0();
