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
  reg(1, Promise.any([]));
  T[1] = setTimeout(() => { log('t1'); }, 550);
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return P[1]; }, undefined));
  reg(3, P[1].then((v) => { log('p3:fulfilled:' + fmt(v)); b1(); return P[2]; }, (v) => { log('p3:rejected:' + fmt(v)); return P[1]; }));
  reg(6, P[3].catch((v) => { log('p6:rejected:' + fmt(v)); return 24; }));
  reg(7, P[3].then((v) => { log('p7:fulfilled:' + fmt(v)); return; }, undefined));
  T[2] = setTimeout(() => { log('t2'); b3(); }, 100);
  clearTimeout(T[1]);
  clearTimeout(T[1]);
  reg(10, P[6].then(undefined, undefined));
  T[3] = setTimeout(() => { log('t3'); }, 350);
  reg(11, P[1].finally(() => { log('p11:finally'); return P[3]; }));
  reg(12, P[11].then((v) => { log('p12:fulfilled:' + fmt(v)); return v; }, (v) => { log('p12:rejected:' + fmt(v)); return thenable(1, 'r', 10); }));
  reg(13, P[10].catch((v) => { log('p13:rejected:' + fmt(v)); b4(); throw 78; }));
  I[2] = setImmediate(() => { log('i2'); });
  reg(25, P[13].then((v) => { log('p25:fulfilled:' + fmt(v)); return; }, undefined));
  clearImmediate(I[1]);
}
function b1() {
  reg(4, b2());
  process.nextTick(() => { log('n1'); });
  reg(5, Promise.resolve(64));
}
async function b2() {
  log('a4');
  log('a4:' + fmt(await P[2]));
  return;
}
function b3() {
  reg(8, Promise.reject(71));
  I[1] = setImmediate(() => { log('i1'); });
  reg(9, new Promise((res, rej) => { R[9] = [res, rej]; R[9][0](P[2]); }));
}
function b4() {
  reg(14, P[11].then((v) => { log('p14:fulfilled:' + fmt(v)); b5(); throw 72; }, (v) => { log('p14:rejected:' + fmt(v)); b7(); return; }));
  reg(23, Promise.any([92, 94, P[1]]));
  reg(24, P[23].then((v) => { log('p24:fulfilled:' + fmt(v)); return 64; }, undefined));
}
function b5() {
  process.nextTick(() => { log('n2'); });
  reg(15, Promise.allSettled([P[7]]));
  reg(16, Promise.resolve(41));
  reg(17, P[16].then((v) => { log('p17:fulfilled:' + fmt(v)); b6(); return thenable(2, 'ff', 99); }, undefined));
}
function b6() {
  reg(18, P[12].finally(() => { log('p18:finally'); throw new Error(); }));
  reg(19, P[15].then((v) => { log('p19:fulfilled:' + fmt(v)); return P[19]; }, undefined));
  reg(20, new Promise((res, rej) => { R[20] = [res, rej]; throw 35; }));
}
function b7() {
  reg(21, Promise.resolve(thenable(3, 'fx', 43)));
  reg(22, P[12].catch((v) => { log('p22:rejected:' + fmt(v)); return P[7]; }));
}
b0();
