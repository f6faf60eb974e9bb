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
  reg(3, Promise.allSettled([P[2], P[2], P[2], 66]));
  reg(4, P[1].then(undefined, (v) => { log('p4:rejected:' + fmt(v)); throw 30; }));
  reg(5, P[2].then((v) => { log('p5:fulfilled:' + fmt(v)); return v; }, undefined));
  R[1][1](86);
  { let n = 0; T[1] = setInterval(() => { n++; log('v1:' + n); if (n === 1) clearInterval(T[1]); b1(); }, 150); }
  queueMicrotask(() => { log('m1'); });
  reg(8, new Promise((res, rej) => { R[8] = [res, rej]; R[8][1](11); }));
  T[2] = setTimeout(() => { log('t2'); }, 350);
  reg(9, Promise.resolve(thenable(1, 'ff', 53)));
  R[8][0](thenable(2, 'f', 44));
  clearTimeout(T[2]);
  reg(10, Promise.resolve(thenable(3, 'f', 41)));
  reg(11, P[10].catch((v) => { log('p11:rejected:' + fmt(v)); return 5; }));
  T[3] = setTimeout(() => { log('t3'); }, 500);
}
function b1() {
  reg(6, P[5].then((v) => { log('p6:fulfilled:' + fmt(v)); return; }, undefined));
  reg(7, P[6].catch((v) => { log('p7:rejected:' + fmt(v)); throw 39; }));
}
b0();
