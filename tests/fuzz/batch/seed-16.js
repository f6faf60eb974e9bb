// fuzz-node program, seed 16
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
  T[1] = setTimeout(() => { log('t1'); b1(); }, 250);
  reg(2, Promise.reject(41));
  T[2] = setTimeout(() => { log('t2'); b3(); }, 500);
  reg(5, Promise.resolve(91));
  T[3] = setTimeout(() => { log('t3'); }, 400);
  reg(6, P[5].finally(() => { log('p6:finally'); }));
  reg(7, new Promise((res, rej) => { R[7] = [res, rej]; R[7][0](P[2]); }));
}
function b1() {
  reg(1, b2());
}
async function b2() {
  log('a1');
  return 0;
}
function b3() {
  reg(3, P[2].catch((v) => { log('p3:rejected:' + fmt(v)); throw v; }));
  reg(4, P[3].then((v) => { log('p4:fulfilled:' + fmt(v)); return 2; }, undefined));
}
b0();
