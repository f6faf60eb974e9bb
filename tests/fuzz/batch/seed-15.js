// fuzz-node program, seed 15
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
  reg(1, new Promise((res, rej) => { R[1] = [res, rej];  }));
  reg(2, new Promise((res, rej) => { R[2] = [res, rej]; R[2][0](P[1]); }));
  process.nextTick(() => { log('n1'); b1(); });
  queueMicrotask(() => { log('m1'); });
  R[2][0](48);
  I[1] = setImmediate(() => { log('i1'); b2(); });
  reg(6, P[2].then((v) => { log('p6:fulfilled:' + fmt(v)); b3(); return v; }, undefined));
  reg(7, P[1].then((v) => { log('p7:fulfilled:' + fmt(v)); b4(); throw 25; }, undefined));
  R[1][0](P[1]);
  R[1][0](97);
  reg(9, b5());
  reg(11, b6());
  R[1][0](65);
}
function b1() {
  reg(3, Promise.race([]));
  reg(4, new Promise((res, rej) => { R[4] = [res, rej];  }));
}
function b2() {
  reg(5, P[2].catch((v) => { log('p5:rejected:' + fmt(v)); throw v; }));
}
function b3() {
  queueMicrotask(() => { log('m2'); });
}
function b4() {
  reg(8, P[1].catch((v) => { log('p8:rejected:' + fmt(v)); throw v; }));
}
async function b5() {
  log('a9');
  log('a9:' + fmt(await P[7]));
  reg(10, P[7].then((v) => { log('p10:fulfilled:' + fmt(v)); return v; }, undefined));
  try { log('a9:' + fmt(await P[6])); } catch (e) { log('a9:caught:' + fmt(e)); }
  queueMicrotask(() => { log('m3'); });
}
async function b6() {
  log('a11');
  try { log('a11:' + fmt(await P[2])); } catch (e) { log('a11:caught:' + fmt(e)); }
  log('a11:' + fmt(await thenable(1, 'f', 5)));
}
b0();
