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
  reg(4, P[3].then((v) => { log('p4:fulfilled:' + fmt(v)); b2(); return thenable(1, 'f', 29); }, undefined));
  process.nextTick(() => { log('n1'); });
  T[2] = setTimeout(() => { log('t2'); }, 350);
  reg(15, Promise.reject(21));
  reg(16, P[4].then((v) => { log('p16:fulfilled:' + fmt(v)); return 56; }, (v) => { log('p16:rejected:' + fmt(v)); b5(); throw 91; }));
  reg(18, P[4].then((v) => { log('p18:fulfilled:' + fmt(v)); b6(); return P[15]; }, undefined));
  reg(20, P[4].then((v) => { log('p20:fulfilled:' + fmt(v)); return; }, undefined));
  reg(21, P[4].then((v) => { log('p21:fulfilled:' + fmt(v)); return 43; }, undefined));
  reg(22, Promise.resolve(thenable(2, 'f', 93)));
  reg(23, P[20].then((v) => { log('p23:fulfilled:' + fmt(v)); b7(); return v; }, undefined));
  reg(26, P[20].then((v) => { log('p26:fulfilled:' + fmt(v)); throw 55; }, undefined));
  reg(27, P[23].then((v) => { log('p27:fulfilled:' + fmt(v)); return thenable(3, 'r', 0); }, (v) => { log('p27:rejected:' + fmt(v)); return; }));
  reg(28, P[15].finally(() => { log('p28:finally'); }));
  T[3] = setTimeout(() => { log('t3'); b9(); }, 100);
  reg(30, P[26].finally(() => { log('p30:finally'); b10(); return P[1]; }));
}
function b1() {
  reg(2, P[1].finally(() => { log('p2:finally'); }));
  clearTimeout(T[1]);
}
function b2() {
  reg(5, P[1].catch((v) => { log('p5:rejected:' + fmt(v)); b3(); throw v; }));
  reg(9, P[3].finally(() => { log('p9:finally'); b4(); throw new Error(); }));
  reg(14, P[9].then((v) => { log('p14:fulfilled:' + fmt(v)); return 4; }, (v) => { log('p14:rejected:' + fmt(v)); return 72; }));
}
function b3() {
  reg(6, P[1].catch((v) => { log('p6:rejected:' + fmt(v)); return P[3]; }));
  reg(7, new Promise((res, rej) => { R[7] = [res, rej]; R[7][0](92); }));
  reg(8, P[7].then((v) => { log('p8:fulfilled:' + fmt(v)); return; }, undefined));
}
function b4() {
  reg(10, P[1].then((v) => { log('p10:fulfilled:' + fmt(v)); return 97; }, undefined));
  reg(11, new Promise((res, rej) => { R[11] = [res, rej]; R[11][1](23); }));
  reg(12, Promise.resolve(55));
  reg(13, new Promise((res, rej) => { R[13] = [res, rej]; R[13][1](34); }));
}
function b5() {
  reg(17, Promise.race([P[3], P[3], P[15]]));
}
function b6() {
  reg(19, Promise.reject(29));
}
function b7() {
  reg(24, P[21].then((v) => { log('p24:fulfilled:' + fmt(v)); return; }, (v) => { log('p24:rejected:' + fmt(v)); b8(); return P[15]; }));
}
function b8() {
  reg(25, new Promise((res, rej) => { R[25] = [res, rej]; R[25][0](35); }));
}
function b9() {
  reg(29, Promise.race([P[18], P[4], P[18]]));
}
function b10() {
  reg(31, new Promise((res, rej) => { R[31] = [res, rej];  }));
  reg(32, b11());
}
async function b11() {
  log('a32');
  reg(33, P[27].catch((v) => { log('p33:rejected:' + fmt(v)); b12(); return P[33]; }));
  try { log('a32:' + fmt(await P[31])); } catch (e) { log('a32:caught:' + fmt(e)); }
  reg(35, P[33].catch((v) => { log('p35:rejected:' + fmt(v)); b13(); return; }));
}
function b12() {
  reg(34, Promise.all([P[15], P[15]]));
  R[31][0](8);
  clearTimeout(T[2]);
}
function b13() {
  process.nextTick(() => { log('n2'); });
}
b0();
