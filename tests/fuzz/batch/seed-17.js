// fuzz-node program, seed 17
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
  reg(1, Promise.resolve(thenable(1, 'f', 8)));
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return P[1]; }, (v) => { log('p2:rejected:' + fmt(v)); throw v; }));
  reg(3, new Promise((res, rej) => { R[3] = [res, rej];  }));
  reg(4, P[2].then((v) => { log('p4:fulfilled:' + fmt(v)); throw 6; }, (v) => { log('p4:rejected:' + fmt(v)); return 42; }));
  reg(5, P[1].then((v) => { log('p5:fulfilled:' + fmt(v)); return; }, undefined));
  reg(6, Promise.any([P[2], P[1], 24]));
  R[3][0](80);
  T[1] = setTimeout(() => { log('t1'); b1(); }, 550);
  reg(10, P[3].then(undefined, (v) => { log('p10:rejected:' + fmt(v)); b3(); return; }));
}
function b1() {
  queueMicrotask(() => { log('m1'); });
  R[3][0](P[1]);
  reg(7, P[4].then((v) => { log('p7:fulfilled:' + fmt(v)); return v; }, (v) => { log('p7:rejected:' + fmt(v)); b2(); return P[7]; }));
}
function b2() {
  reg(8, P[1].then(undefined, (v) => { log('p8:rejected:' + fmt(v)); return 31; }));
  clearTimeout(T[1]);
  reg(9, Promise.resolve(47));
}
function b3() {
  reg(11, new Promise((res, rej) => { R[11] = [res, rej];  }));
  reg(12, P[3].then((v) => { log('p12:fulfilled:' + fmt(v)); return v; }, (v) => { log('p12:rejected:' + fmt(v)); throw 92; }));
  reg(13, P[11].then((v) => { log('p13:fulfilled:' + fmt(v)); throw 39; }, (v) => { log('p13:rejected:' + fmt(v)); b4(); throw v; }));
}
function b4() {
  reg(14, Promise.resolve(thenable(2, 'fx', 5)));
}
b0();
