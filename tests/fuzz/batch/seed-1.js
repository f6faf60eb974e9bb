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
  reg(1, Promise.any([28, 61, 72, 42]));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 150);
  process.nextTick(() => { log('n1'); b2(); });
  reg(5, new Promise((res, rej) => { R[5] = [res, rej]; R[5][0](32); }));
  T[3] = setTimeout(() => { log('t3'); b3(); }, 200);
  T[4] = setTimeout(() => { log('t4'); }, 550);
  reg(8, Promise.reject(67));
}
function b1() {
  reg(2, Promise.resolve(48));
}
function b2() {
  reg(3, new Promise((res, rej) => { R[3] = [res, rej];  }));
  process.nextTick(() => { log('n2'); });
  reg(4, P[1].then((v) => { log('p4:fulfilled:' + fmt(v)); return thenable(1, 'fx', 19); }, undefined));
  T[2] = setTimeout(() => { log('t2'); }, 450);
}
function b3() {
  reg(6, P[1].then((v) => { log('p6:fulfilled:' + fmt(v)); return P[5]; }, undefined));
  clearTimeout(T[1]);
  reg(7, P[6].then((v) => { log('p7:fulfilled:' + fmt(v)); return P[1]; }, (v) => { log('p7:rejected:' + fmt(v)); return 88; }));
}
b0();
