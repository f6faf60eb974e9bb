// fuzz-node program, seed 11
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
  reg(1, Promise.allSettled([8, 53, 60]));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 500);
  reg(4, Promise.race([P[1]]));
  T[2] = setTimeout(() => { log('t2'); b2(); }, 450);
  process.nextTick(() => { log('n1'); });
  reg(7, P[4].then((v) => { log('p7:fulfilled:' + fmt(v)); return 11; }, undefined));
  { let n = 0; T[3] = setInterval(() => { n++; log('v3:' + n); if (n === 1) clearInterval(T[3]); }, 100); }
  reg(8, P[4].then((v) => { log('p8:fulfilled:' + fmt(v)); return thenable(2, 'f', 88); }, undefined));
  reg(9, new Promise((res, rej) => { R[9] = [res, rej];  }));
  reg(10, Promise.resolve(7));
  reg(11, P[9].then((v) => { log('p11:fulfilled:' + fmt(v)); return v; }, undefined));
  R[9][0](thenable(3, 'r', 9));
}
function b1() {
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); throw 58; }, (v) => { log('p2:rejected:' + fmt(v)); throw v; }));
  reg(3, P[2].then((v) => { log('p3:fulfilled:' + fmt(v)); return 5; }, undefined));
}
function b2() {
  reg(5, P[1].then((v) => { log('p5:fulfilled:' + fmt(v)); return thenable(1, 'x', 27); }, undefined));
  reg(6, P[4].then((v) => { log('p6:fulfilled:' + fmt(v)); return v; }, undefined));
  clearTimeout(T[1]);
}
b0();
