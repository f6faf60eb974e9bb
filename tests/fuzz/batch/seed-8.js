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
  T[1] = setTimeout(() => { log('t1'); }, 300);
  reg(2, new Promise((res, rej) => { R[2] = [res, rej]; R[2][0](51); }));
  process.nextTick(() => { log('n1'); });
  reg(3, new Promise((res, rej) => { R[3] = [res, rej];  }));
  R[3][0](3);
  reg(4, P[2].catch((v) => { log('p4:rejected:' + fmt(v)); return thenable(1, 'f', 51); }));
  reg(5, Promise.resolve(86));
  reg(6, Promise.any([P[4], 64, P[2], P[2]]));
  T[2] = setTimeout(() => { log('t2'); }, 500);
  reg(7, new Promise((res, rej) => { R[7] = [res, rej]; R[7][0](54); }));
  T[3] = setTimeout(() => { log('t3'); b1(); }, 150);
  reg(8, P[5].finally(() => { log('p8:finally'); return thenable(2, 'fx', 40); }));
  T[4] = setTimeout(() => { log('t4'); b2(); }, 100);
}
function b1() {
  queueMicrotask(() => { log('m1'); });
}
function b2() {
  reg(9, P[8].then((v) => { log('p9:fulfilled:' + fmt(v)); b3(); return; }, (v) => { log('p9:rejected:' + fmt(v)); return 93; }));
  I[1] = setImmediate(() => { log('i1'); });
}
function b3() {
  R[7][0](P[8]);
  reg(10, new Promise((res, rej) => { R[10] = [res, rej];  }));
  reg(11, P[8].then(undefined, (v) => { log('p11:rejected:' + fmt(v)); return 72; }));
  reg(12, P[11].then((v) => { log('p12:fulfilled:' + fmt(v)); return P[3]; }, undefined));
}
b0();
