// fuzz-node program, seed 18
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
  reg(1, Promise.race([53, 71, 20, 14]));
  T[1] = setTimeout(() => { log('t1'); b1(); }, 200);
  reg(4, P[1].catch((v) => { log('p4:rejected:' + fmt(v)); throw v; }));
  T[2] = setTimeout(() => { log('t2'); b2(); }, 300);
  T[3] = setTimeout(() => { log('t3'); b6(); }, 550);
  T[4] = setTimeout(() => { log('t4'); }, 250);
  reg(15, Promise.resolve(39));
  reg(16, P[1].finally(() => { log('p16:finally'); return thenable(1, 'f', 53); }));
  queueMicrotask(() => { log('m2'); });
  reg(17, P[15].then((v) => { log('p17:fulfilled:' + fmt(v)); return v; }, undefined));
  reg(18, P[17].then((v) => { log('p18:fulfilled:' + fmt(v)); return 70; }, undefined));
}
function b1() {
  queueMicrotask(() => { log('m1'); });
  reg(2, P[1].then((v) => { log('p2:fulfilled:' + fmt(v)); return 89; }, (v) => { log('p2:rejected:' + fmt(v)); return 20; }));
  reg(3, P[1].then((v) => { log('p3:fulfilled:' + fmt(v)); return 82; }, undefined));
}
function b2() {
  reg(5, Promise.race([P[1], P[1], P[4], P[1]]));
  reg(6, Promise.race([P[5], 71, P[5], 57]));
  reg(7, P[4].finally(() => { log('p7:finally'); b3(); }));
  process.nextTick(() => { log('n1'); b4(); });
}
function b3() {
  reg(8, P[6].then((v) => { log('p8:fulfilled:' + fmt(v)); return 78; }, undefined));
}
function b4() {
  reg(9, new Promise((res, rej) => { R[9] = [res, rej];  }));
  reg(10, P[9].then((v) => { log('p10:fulfilled:' + fmt(v)); throw 90; }, (v) => { log('p10:rejected:' + fmt(v)); b5(); return 24; }));
  reg(12, P[9].then((v) => { log('p12:fulfilled:' + fmt(v)); return 73; }, undefined));
  reg(13, P[9].catch((v) => { log('p13:rejected:' + fmt(v)); throw v; }));
}
function b5() {
  reg(11, new Promise((res, rej) => { R[11] = [res, rej];  }));
}
function b6() {
  reg(14, Promise.allSettled([P[4]]));
}
b0();
