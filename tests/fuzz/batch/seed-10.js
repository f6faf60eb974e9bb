// fuzz-node program, seed 10
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
  T[1] = setTimeout(() => { log('t1'); b1(); }, 500);
  { let n = 0; T[2] = setInterval(() => { n++; log('v2:' + n); if (n === 1) clearInterval(T[2]); }, 100); }
  { let n = 0; T[3] = setInterval(() => { n++; log('v3:' + n); if (n === 1) clearInterval(T[3]); b2(); }, 150); }
  reg(3, Promise.all([]));
  reg(4, Promise.reject(14));
  queueMicrotask(() => { log('m1'); b3(); });
  reg(8, P[3].then((v) => { log('p8:fulfilled:' + fmt(v)); return 38; }, (v) => { log('p8:rejected:' + fmt(v)); b4(); throw v; }));
  T[5] = setTimeout(() => { log('t5'); b6(); }, 350);
  reg(14, P[4].finally(() => { log('p14:finally'); return P[8]; }));
  T[6] = setTimeout(() => { log('t6'); b7(); }, 250);
  reg(16, Promise.all([P[8], P[8], 59]));
  I[4] = setImmediate(() => { log('i4'); b8(); });
  reg(24, Promise.reject(69));
  reg(25, Promise.any([37, P[14]]));
  reg(26, P[16].then((v) => { log('p26:fulfilled:' + fmt(v)); return v; }, (v) => { log('p26:rejected:' + fmt(v)); b11(); return; }));
  T[8] = setTimeout(() => { log('t8'); }, 200);
  T[9] = setTimeout(() => { log('t9'); }, 550);
  reg(30, Promise.resolve(40));
}
function b1() {
  reg(1, Promise.resolve(8));
  I[1] = setImmediate(() => { log('i1'); });
}
function b2() {
  reg(2, Promise.allSettled([29, 34]));
  clearTimeout(T[1]);
}
function b3() {
  T[4] = setTimeout(() => { log('t4'); }, 300);
  reg(5, P[3].then(undefined, (v) => { log('p5:rejected:' + fmt(v)); throw v; }));
  reg(6, Promise.resolve(59));
  reg(7, P[4].finally(() => { log('p7:finally'); return P[5]; }));
}
function b4() {
  reg(9, Promise.any([42]));
  reg(10, Promise.all([]));
  reg(11, new Promise((res, rej) => { R[11] = [res, rej]; R[11][0](P[9]); }));
  I[2] = setImmediate(() => { log('i2'); b5(); });
}
function b5() {
  reg(12, P[11].finally(() => { log('p12:finally'); }));
  reg(13, new Promise((res, rej) => { R[13] = [res, rej]; R[13][0](P[11]); }));
}
function b6() {
  I[3] = setImmediate(() => { log('i3'); });
}
function b7() {
  reg(15, P[14].finally(() => { log('p15:finally'); throw new Error(); }));
}
function b8() {
  T[7] = setTimeout(() => { log('t7'); }, 450);
  reg(17, P[14].then((v) => { log('p17:fulfilled:' + fmt(v)); return; }, (v) => { log('p17:rejected:' + fmt(v)); b9(); return 55; }));
  reg(22, P[17].catch((v) => { log('p22:rejected:' + fmt(v)); return; }));
  reg(23, Promise.reject(34));
}
function b9() {
  reg(18, P[4].then((v) => { log('p18:fulfilled:' + fmt(v)); return P[4]; }, (v) => { log('p18:rejected:' + fmt(v)); return 72; }));
  reg(19, P[16].finally(() => { log('p19:finally'); b10(); throw new Error(); }));
  clearImmediate(I[2]);
  clearImmediate(I[5]);
}
function b10() {
  reg(20, P[16].finally(() => { log('p20:finally'); }));
  reg(21, P[14].then((v) => { log('p21:fulfilled:' + fmt(v)); return 52; }, (v) => { log('p21:rejected:' + fmt(v)); return thenable(1, 'f', 53); }));
  clearTimeout(T[1]);
  I[5] = setImmediate(() => { log('i5'); });
}
function b11() {
  reg(27, P[25].then(undefined, undefined));
  reg(28, P[25].then((v) => { log('p28:fulfilled:' + fmt(v)); return; }, (v) => { log('p28:rejected:' + fmt(v)); return; }));
  reg(29, P[25].then((v) => { log('p29:fulfilled:' + fmt(v)); return v; }, undefined));
}
b0();
