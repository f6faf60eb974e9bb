// fuzz-node program, seed 3
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
  reg(1, Promise.resolve(thenable(1, 'f', 76)));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 300);
  T[4] = setTimeout(() => { log('t4'); }, 250);
  reg(8, P[1].then((v) => { log('p8:fulfilled:' + fmt(v)); b4(); throw 54; }, (v) => { log('p8:rejected:' + fmt(v)); return thenable(5, 'x', 39); }));
  reg(9, P[8].then((v) => { log('p9:fulfilled:' + fmt(v)); return v; }, (v) => { log('p9:rejected:' + fmt(v)); return 69; }));
  reg(10, P[9].then(undefined, undefined));
  reg(11, P[10].finally(() => { log('p11:finally'); return thenable(6, 'ff', 39); }));
}
function b1() {
  T[2] = setTimeout(() => { log('t2'); b2(); }, 50);
  reg(7, P[1].catch((v) => { log('p7:rejected:' + fmt(v)); throw v; }));
}
function b2() {
  T[3] = setTimeout(() => { log('t3'); }, 100);
  reg(2, Promise.resolve(thenable(2, 'fx', 28)));
  reg(3, P[2].then((v) => { log('p3:fulfilled:' + fmt(v)); b3(); return v; }, undefined));
}
function b3() {
  reg(4, new Promise((res, rej) => { R[4] = [res, rej]; R[4][0](P[1]); }));
  reg(5, P[2].then((v) => { log('p5:fulfilled:' + fmt(v)); return; }, (v) => { log('p5:rejected:' + fmt(v)); return thenable(3, 'ff', 60); }));
  reg(6, P[4].then((v) => { log('p6:fulfilled:' + fmt(v)); return; }, (v) => { log('p6:rejected:' + fmt(v)); return thenable(4, 'ff', 41); }));
  clearTimeout(T[2]);
}
function b4() {
  clearTimeout(T[4]);
}
b0();
