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
  reg(1, b1());
  reg(3, Promise.resolve(thenable(2, 'ff', 24)));
  reg(4, P[1].finally(() => { log('p4:finally'); b2(); return thenable(3, 'ff', 82); }));
  I[1] = setImmediate(() => { log('i1'); b3(); });
  reg(10, P[4].finally(() => { log('p10:finally'); return P[4]; }));
  T[1] = setTimeout(() => { log('t1'); b5(); }, 500);
  reg(13, Promise.resolve(thenable(5, 'f', 0)));
  I[3] = setImmediate(() => { log('i3'); });
}
async function b1() {
  log('a1');
  log('a1:' + fmt(await thenable(1, 'r', 23)));
  reg(2, Promise.resolve(15));
  return 53;
}
function b2() {
  reg(5, P[3].then((v) => { log('p5:fulfilled:' + fmt(v)); return v; }, undefined));
}
function b3() {
  I[2] = setImmediate(() => { log('i2'); b4(); });
}
function b4() {
  reg(6, Promise.allSettled([70, P[1]]));
  reg(7, Promise.resolve(13));
  reg(8, P[4].finally(() => { log('p8:finally'); }));
  reg(9, P[6].then((v) => { log('p9:fulfilled:' + fmt(v)); return P[6]; }, undefined));
}
function b5() {
  reg(11, Promise.resolve(thenable(4, 'fx', 54)));
  reg(12, P[4].then((v) => { log('p12:fulfilled:' + fmt(v)); return v; }, undefined));
}
b0();
