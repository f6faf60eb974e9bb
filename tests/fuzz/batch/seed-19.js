// fuzz-node program, seed 19
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
  reg(1, Promise.resolve(thenable(1, 'fx', 98)));
  reg(2, Promise.resolve(thenable(2, 'x', 53)));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 500);
  T[2] = setTimeout(() => { log('t2'); b2(); }, 100);
  reg(8, new Promise((res, rej) => { R[8] = [res, rej];  }));
  I[3] = setImmediate(() => { log('i3'); });
  R[8][0](38);
  I[4] = setImmediate(() => { log('i4'); });
  R[8][0](thenable(4, 'f', 86));
  I[5] = setImmediate(() => { log('i5'); });
  T[6] = setTimeout(() => { log('t6'); b7(); }, 550);
}
function b1() {
}
function b2() {
  reg(3, P[1].then((v) => { log('p3:fulfilled:' + fmt(v)); b3(); return 91; }, undefined));
  I[1] = setImmediate(() => { log('i1'); b4(); });
  clearTimeout(T[3]);
}
function b3() {
  reg(4, P[1].then(undefined, (v) => { log('p4:rejected:' + fmt(v)); return P[1]; }));
}
function b4() {
  reg(5, Promise.allSettled([P[1], 6]));
  T[3] = setTimeout(() => { log('t3'); }, 200);
  T[4] = setTimeout(() => { log('t4'); b5(); }, 50);
  I[2] = setImmediate(() => { log('i2'); b6(); });
}
function b5() {
  reg(6, P[1].then((v) => { log('p6:fulfilled:' + fmt(v)); return thenable(3, 'f', 35); }, undefined));
  reg(7, Promise.reject(56));
}
function b6() {
  T[5] = setTimeout(() => { log('t5'); }, 300);
}
function b7() {
  reg(9, P[1].then((v) => { log('p9:fulfilled:' + fmt(v)); return P[1]; }, undefined));
}
b0();
