// fuzz-node program, seed 30
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
  reg(2, Promise.reject(43));
  R[1][1](82);
  T[1] = setTimeout(() => { log('t1'); }, 500);
  reg(3, P[2].finally(() => { log('p3:finally'); return thenable(1, 'f', 31); }));
  R[1][1](30);
  reg(4, P[2].then((v) => { log('p4:fulfilled:' + fmt(v)); return v; }, undefined));
  reg(5, b1());
  R[1][0](P[1]);
  reg(6, Promise.resolve(thenable(2, 'x', 22)));
  reg(7, P[5].then((v) => { log('p7:fulfilled:' + fmt(v)); return v; }, undefined));
  reg(8, b2());
  reg(9, P[8].finally(() => { log('p9:finally'); }));
  T[2] = setTimeout(() => { log('t2'); }, 300);
  reg(10, Promise.resolve(thenable(3, 'ff', 53)));
  R[1][0](thenable(4, 'f', 44));
  clearTimeout(T[2]);
  reg(11, Promise.resolve(thenable(5, 'f', 41)));
}
async function b1() {
  log('a5');
  return await P[2];
}
async function b2() {
  log('a8');
  return;
}
b0();
