// fuzz-node program, seed 8
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
  reg(1, Promise.reject(69));
  { let n = 0; T[1] = setInterval(() => { n++; log('v1:' + n); if (n === 2) clearInterval(T[1]); }, 150); }
  process.nextTick(() => { log('n1'); });
  process.nextTick(() => { log('n2'); });
  reg(2, new Promise((res, rej) => { R[2] = [res, rej];  }));
  R[2][0](3);
  reg(3, P[2].then((v) => { log('p3:fulfilled:' + fmt(v)); b1(); return 27; }, (v) => { log('p3:rejected:' + fmt(v)); return P[1]; }));
  process.nextTick(() => { log('n3'); });
  reg(5, P[1].finally(() => { log('p5:finally'); }));
  clearTimeout(T[1]);
  queueMicrotask(() => { log('m1'); });
  reg(6, Promise.any([60]));
  clearTimeout(T[1]);
  I[1] = setImmediate(() => { log('i1'); b2(); });
  I[2] = setImmediate(() => { log('i2'); });
}
function b1() {
  reg(4, Promise.race([P[1], 32]));
  R[2][0](P[4]);
}
function b2() {
  reg(7, P[6].then((v) => { log('p7:fulfilled:' + fmt(v)); b3(); return thenable(2, 'r', 73); }, undefined));
  reg(9, P[3].then((v) => { log('p9:fulfilled:' + fmt(v)); return; }, (v) => { log('p9:rejected:' + fmt(v)); return 93; }));
}
function b3() {
  R[2][0](P[6]);
  reg(8, Promise.resolve(thenable(1, 'f', 58)));
  clearImmediate(I[1]);
  R[2][0](72);
}
b0();
