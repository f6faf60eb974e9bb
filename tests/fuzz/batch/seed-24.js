// fuzz-node program, seed 24
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
  reg(1, Promise.reject(8));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 150);
  reg(3, Promise.all([P[1], 38, 63, P[1]]));
  reg(4, P[3].then((v) => { log('p4:fulfilled:' + fmt(v)); b2(); return v; }, undefined));
  reg(12, P[1].finally(() => { log('p12:finally'); }));
  reg(13, P[4].then((v) => { log('p13:fulfilled:' + fmt(v)); b5(); throw 91; }, undefined));
  reg(15, P[13].then((v) => { log('p15:fulfilled:' + fmt(v)); b6(); return v; }, undefined));
  reg(17, P[15].catch((v) => { log('p17:rejected:' + fmt(v)); return 71; }));
  I[1] = setImmediate(() => { log('i1'); });
  clearTimeout(T[1]);
  reg(18, P[4].then((v) => { log('p18:fulfilled:' + fmt(v)); return 43; }, undefined));
  reg(19, Promise.resolve(thenable(2, 'f', 93)));
  reg(20, P[17].then((v) => { log('p20:fulfilled:' + fmt(v)); b7(); return v; }, undefined));
  { let n = 0; T[2] = setInterval(() => { n++; log('v2:' + n); if (n === 3) clearInterval(T[2]); }, 100); }
  reg(23, Promise.allSettled([P[13], P[3], P[13]]));
  I[2] = setImmediate(() => { log('i2'); b9(); });
}
function b1() {
  reg(2, P[1].catch((v) => { log('p2:rejected:' + fmt(v)); return; }));
  clearTimeout(T[1]);
}
function b2() {
  reg(5, P[1].then((v) => { log('p5:fulfilled:' + fmt(v)); return P[1]; }, (v) => { log('p5:rejected:' + fmt(v)); throw v; }));
  reg(6, P[1].then((v) => { log('p6:fulfilled:' + fmt(v)); b3(); return 29; }, undefined));
  process.nextTick(() => { log('n2'); });
}
function b3() {
  clearTimeout(T[1]);
  reg(7, Promise.all([P[5], P[5], P[3]]));
  reg(8, P[7].finally(() => { log('p8:finally'); b4(); return P[1]; }));
  reg(11, P[5].then((v) => { log('p11:fulfilled:' + fmt(v)); return 72; }, undefined));
}
function b4() {
  reg(9, P[7].then((v) => { log('p9:fulfilled:' + fmt(v)); return P[7]; }, (v) => { log('p9:rejected:' + fmt(v)); return 13; }));
  clearTimeout(T[1]);
  reg(10, P[7].catch((v) => { log('p10:rejected:' + fmt(v)); return thenable(1, 'f', 63); }));
  process.nextTick(() => { log('n1'); });
}
function b5() {
  reg(14, Promise.race([P[3], P[3], P[12]]));
}
function b6() {
  reg(16, new Promise((res, rej) => { R[16] = [res, rej]; throw 65; }));
}
function b7() {
  reg(21, P[18].then((v) => { log('p21:fulfilled:' + fmt(v)); return; }, (v) => { log('p21:rejected:' + fmt(v)); b8(); return P[12]; }));
}
function b8() {
  reg(22, new Promise((res, rej) => { R[22] = [res, rej]; R[22][0](35); }));
}
function b9() {
  process.nextTick(() => { log('n3'); });
  reg(24, P[20].then((v) => { log('p24:fulfilled:' + fmt(v)); return; }, (v) => { log('p24:rejected:' + fmt(v)); b10(); return; }));
  I[3] = setImmediate(() => { log('i3'); b11(); });
}
function b10() {
  clearTimeout(T[2]);
  reg(25, P[19].then((v) => { log('p25:fulfilled:' + fmt(v)); throw 62; }, undefined));
}
function b11() {
  reg(26, new Promise((res, rej) => { R[26] = [res, rej];  }));
  R[26][0](P[4]);
  I[4] = setImmediate(() => { log('i4'); b12(); });
}
function b12() {
  clearTimeout(T[1]);
  clearTimeout(T[2]);
  reg(27, new Promise((res, rej) => { R[27] = [res, rej];  }));
}
b0();
