// fuzz-node program, seed 14
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
  reg(1, Promise.resolve(thenable(1, 'r', 19)));
  reg(2, P[1].then(undefined, (v) => { log('p2:rejected:' + fmt(v)); b1(); return thenable(5, 'ff', 68); }));
  I[2] = setImmediate(() => { log('i2'); b7(); });
  reg(21, P[2].then((v) => { log('p21:fulfilled:' + fmt(v)); return P[2]; }, (v) => { log('p21:rejected:' + fmt(v)); throw v; }));
  reg(22, Promise.resolve(thenable(8, 'x', 52)));
  reg(23, Promise.allSettled([P[1], P[1], P[22]]));
  { let n = 0; T[1] = setInterval(() => { n++; log('v1:' + n); if (n === 1) clearInterval(T[1]); b10(); }, 100); }
  reg(25, Promise.race([]));
  reg(26, P[23].catch((v) => { log('p26:rejected:' + fmt(v)); return; }));
  reg(27, Promise.resolve(9));
  reg(28, P[22].then((v) => { log('p28:fulfilled:' + fmt(v)); return v; }, undefined));
  reg(29, P[27].then((v) => { log('p29:fulfilled:' + fmt(v)); return; }, (v) => { log('p29:rejected:' + fmt(v)); throw v; }));
}
function b1() {
  I[1] = setImmediate(() => { log('i1'); b2(); });
  reg(5, P[1].finally(() => { log('p5:finally'); b3(); }));
  reg(9, P[1].then((v) => { log('p9:fulfilled:' + fmt(v)); b4(); return v; }, (v) => { log('p9:rejected:' + fmt(v)); b6(); return thenable(4, 'ff', 18); }));
  reg(15, Promise.reject(85));
}
function b2() {
  reg(3, Promise.any([P[1]]));
  reg(4, Promise.resolve(thenable(2, 'ff', 65)));
}
function b3() {
  reg(6, Promise.reject(15));
  reg(7, P[1].then(undefined, undefined));
  reg(8, P[1].then((v) => { log('p8:fulfilled:' + fmt(v)); return; }, (v) => { log('p8:rejected:' + fmt(v)); return P[6]; }));
}
function b4() {
  clearImmediate(I[1]);
  reg(10, P[1].then((v) => { log('p10:fulfilled:' + fmt(v)); return thenable(3, 'fx', 26); }, (v) => { log('p10:rejected:' + fmt(v)); b5(); return P[5]; }));
}
function b5() {
  reg(11, Promise.race([P[5]]));
  reg(12, Promise.allSettled([52]));
  reg(13, Promise.allSettled([85, P[1]]));
}
function b6() {
  reg(14, Promise.any([P[1], P[5], 33]));
}
function b7() {
  reg(16, P[2].then((v) => { log('p16:fulfilled:' + fmt(v)); return thenable(6, 'x', 0); }, undefined));
  reg(17, P[16].then((v) => { log('p17:fulfilled:' + fmt(v)); b8(); return v; }, undefined));
}
function b8() {
  reg(18, P[16].then((v) => { log('p18:fulfilled:' + fmt(v)); return v; }, undefined));
  process.nextTick(() => { log('n1'); b9(); });
}
function b9() {
  reg(19, Promise.resolve(62));
  reg(20, P[18].catch((v) => { log('p20:rejected:' + fmt(v)); return thenable(7, 'r', 74); }));
  process.nextTick(() => { log('n2'); });
}
function b10() {
  reg(24, new Promise((res, rej) => { R[24] = [res, rej]; R[24][0](72); }));
}
b0();
