// fuzz-node program, seed 23
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
  reg(1, Promise.reject(32));
  reg(2, new Promise((res, rej) => { R[2] = [res, rej]; R[2][0](P[1]); }));
  I[1] = setImmediate(() => { log('i1'); });
  reg(3, new Promise((res, rej) => { R[3] = [res, rej];  }));
  reg(4, b1());
  reg(8, P[4].finally(() => { log('p8:finally'); return P[1]; }));
}
async function b1() {
  log('a4');
  log('a4:' + fmt(await P[2]));
  reg(5, Promise.reject(84));
  log('a4:' + fmt(await thenable(1, 'fx', 15)));
  log('a4:' + fmt(await P[5]));
  reg(6, P[3].then((v) => { log('p6:fulfilled:' + fmt(v)); return thenable(2, 'ff', 95); }, undefined));
  reg(7, Promise.resolve(thenable(3, 'ff', 20)));
}
b0();
