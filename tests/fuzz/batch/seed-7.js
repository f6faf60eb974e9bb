// fuzz-node program, seed 7
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
  { let n = 0; T[1] = setInterval(() => { n++; log('v1:' + n); if (n === 3) clearInterval(T[1]); }, 100); }
  reg(1, Promise.resolve(55));
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return 36; }, (v) => { log('p2:rejected:' + fmt(v)); return 97; }));
  reg(3, new Promise((res, rej) => { R[3] = [res, rej]; R[3][0](14); }));
  reg(4, Promise.reject(29));
  R[3][0](P[4]);
  reg(5, P[4].then((v) => { log('p5:fulfilled:' + fmt(v)); b1(); return P[4]; }, undefined));
}
function b1() {
  I[1] = setImmediate(() => { log('i1'); b2(); });
}
function b2() {
  reg(6, Promise.allSettled([70, P[2]]));
  reg(7, Promise.resolve(13));
  R[3][0](thenable(1, 'r', 4));
  reg(8, P[4].then((v) => { log('p8:fulfilled:' + fmt(v)); return P[4]; }, undefined));
}
b0();
