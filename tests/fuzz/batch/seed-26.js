// fuzz-node program, seed 26
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
  reg(1, Promise.resolve(thenable(1, 'f', 82)));
  T[1] = setTimeout(() => { log('t1'); }, 550);
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return P[1]; }, undefined));
  T[2] = setTimeout(() => { log('t2'); }, 200);
  reg(3, Promise.all([P[2], P[2]]));
  process.nextTick(() => { log('n1'); b1(); });
  reg(6, P[2].then((v) => { log('p6:fulfilled:' + fmt(v)); b2(); return P[2]; }, undefined));
  reg(11, Promise.allSettled([P[6], 30, P[2]]));
  T[3] = setTimeout(() => { log('t3'); b3(); }, 250);
  reg(20, P[6].then((v) => { log('p20:fulfilled:' + fmt(v)); return P[1]; }, undefined));
  reg(21, P[20].then(undefined, undefined));
  T[5] = setTimeout(() => { log('t5'); }, 150);
  T[6] = setTimeout(() => { log('t6'); }, 450);
  queueMicrotask(() => { log('m1'); b6(); });
  reg(22, P[21].then((v) => { log('p22:fulfilled:' + fmt(v)); b7(); throw 3; }, undefined));
}
function b1() {
  reg(4, Promise.resolve(64));
  reg(5, P[3].then((v) => { log('p5:fulfilled:' + fmt(v)); return P[2]; }, undefined));
}
function b2() {
  reg(7, P[1].finally(() => { log('p7:finally'); }));
  reg(8, P[2].then((v) => { log('p8:fulfilled:' + fmt(v)); return 71; }, (v) => { log('p8:rejected:' + fmt(v)); return 76; }));
  reg(9, Promise.race([P[3], P[7]]));
  reg(10, P[9].then((v) => { log('p10:fulfilled:' + fmt(v)); return v; }, undefined));
}
function b3() {
  reg(12, P[2].then((v) => { log('p12:fulfilled:' + fmt(v)); return 59; }, (v) => { log('p12:rejected:' + fmt(v)); b4(); throw 72; }));
  reg(19, new Promise((res, rej) => { R[19] = [res, rej];  }));
  T[4] = setTimeout(() => { log('t4'); }, 100);
}
function b4() {
  process.nextTick(() => { log('n2'); });
  reg(13, P[2].finally(() => { log('p13:finally'); throw new Error(); }));
  reg(14, Promise.resolve(41));
  reg(15, P[14].then((v) => { log('p15:fulfilled:' + fmt(v)); b5(); return thenable(2, 'ff', 99); }, undefined));
}
function b5() {
  reg(16, P[11].finally(() => { log('p16:finally'); throw new Error(); }));
  reg(17, P[13].then((v) => { log('p17:fulfilled:' + fmt(v)); return P[17]; }, undefined));
  reg(18, new Promise((res, rej) => { R[18] = [res, rej]; throw 35; }));
}
function b6() {
}
function b7() {
  reg(23, P[20].then((v) => { log('p23:fulfilled:' + fmt(v)); b8(); return v; }, undefined));
  reg(30, P[6].finally(() => { log('p30:finally'); return P[23]; }));
  reg(31, new Promise((res, rej) => { R[31] = [res, rej]; R[31][0](thenable(5, 'ff', 8)); }));
}
function b8() {
  process.nextTick(() => { log('n3'); });
  reg(24, Promise.resolve(thenable(3, 'f', 32)));
  queueMicrotask(() => { log('m2'); b9(); });
  reg(27, P[21].then((v) => { log('p27:fulfilled:' + fmt(v)); b10(); throw 93; }, (v) => { log('p27:rejected:' + fmt(v)); throw v; }));
}
function b9() {
  queueMicrotask(() => { log('m3'); });
  reg(25, Promise.resolve(34));
  reg(26, Promise.resolve(thenable(4, 'x', 72)));
}
function b10() {
  reg(28, P[20].catch((v) => { log('p28:rejected:' + fmt(v)); return P[11]; }));
  reg(29, Promise.resolve(77));
}
b0();
