// fuzz-node program, seed 28
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
  T[1] = setTimeout(() => { log('t1'); b1(); }, 450);
  reg(4, Promise.reject(75));
  { let n = 0; T[2] = setInterval(() => { n++; log('v2:' + n); if (n === 1) clearInterval(T[2]); }, 100); }
  process.nextTick(() => { log('n1'); });
  reg(5, P[4].then((v) => { log('p5:fulfilled:' + fmt(v)); return P[4]; }, undefined));
  T[3] = setTimeout(() => { log('t3'); b3(); }, 250);
  reg(7, P[4].then((v) => { log('p7:fulfilled:' + fmt(v)); return thenable(2, 'ff', 9); }, undefined));
  reg(8, Promise.resolve(96));
  process.nextTick(() => { log('n2'); });
  reg(9, P[7].then(undefined, (v) => { log('p9:rejected:' + fmt(v)); return P[7]; }));
  reg(10, P[8].then(undefined, (v) => { log('p10:rejected:' + fmt(v)); b4(); throw v; }));
  reg(19, P[9].then((v) => { log('p19:fulfilled:' + fmt(v)); return P[9]; }, undefined));
  reg(20, Promise.race([P[9]]));
  reg(21, Promise.reject(25));
  reg(22, new Promise((res, rej) => { R[22] = [res, rej]; throw 37; }));
}
function b1() {
  reg(1, new Promise((res, rej) => { R[1] = [res, rej];  }));
  reg(2, b2());
}
async function b2() {
  log('a2');
  reg(3, Promise.any([P[1]]));
  try { log('a2:' + fmt(await thenable(1, 'ff', 17))); } catch (e) { log('a2:caught:' + fmt(e)); }
  return await P[3];
}
function b3() {
  reg(6, new Promise((res, rej) => { R[6] = [res, rej]; R[6][0](53); }));
}
function b4() {
  I[1] = setImmediate(() => { log('i1'); b5(); });
  reg(15, new Promise((res, rej) => { R[15] = [res, rej]; R[15][0](79); }));
  reg(16, P[8].then((v) => { log('p16:fulfilled:' + fmt(v)); b6(); return P[5]; }, undefined));
  reg(18, Promise.resolve(67));
}
function b5() {
  reg(11, P[5].then((v) => { log('p11:fulfilled:' + fmt(v)); return P[8]; }, undefined));
  reg(12, Promise.reject(35));
  reg(13, Promise.resolve(88));
  reg(14, Promise.race([73, P[13]]));
}
function b6() {
  clearImmediate(I[1]);
  reg(17, new Promise((res, rej) => { R[17] = [res, rej]; R[17][0](thenable(3, 'fx', 48)); }));
  R[15][0](thenable(4, 'fx', 22));
  process.nextTick(() => { log('n3'); });
}
b0();
