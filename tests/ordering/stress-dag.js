// stress-dag.js - the JS half of the seeded promise DAG used by 527 and 528 (the C half is
// stress-dag.h; both draw the same xorshift32 sequence, so they build the same graph).
'use strict';

module.exports = function run(seed, count) {
  let state = seed;
  const rand = () => {
    let x = state;
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    state = x;
    return x;
  };
  const log = (...a) => console.log(...a);
  const P = [];
  const names = new Map();
  process.on('unhandledRejection', (r, p) => log('unhandled', names.get(p) ?? '?', r));
  process.on('rejectionHandled', (p) => log('handled late', names.get(p) ?? '?'));
  const pick = (i) => P[rand() % i];
  const later = (immediate, fn) => (immediate ? setImmediate(fn) : process.nextTick(fn));
  const settled = (r) => (r.status === 'fulfilled' ? 'f:' + r.value : 'r:' + r.reason);

  for (let i = 0; i < count; i++) {
    const name = 'n' + i;
    const op = i === 0 ? 0 : rand() % 14;
    let p;
    switch (op) {
      case 0: p = Promise.resolve(name); break;
      case 1: p = Promise.reject(name); break;
      case 2: p = pick(i).then((v) => { log(name, 'then', v); return name; }); break;
      case 3: p = pick(i).then((v) => { log(name, 'then-throw', v); throw name; }); break;
      case 4: p = pick(i).catch((e) => { log(name, 'catch', e); return name; }); break;
      case 5: p = pick(i).finally(() => { log(name, 'finally'); }); break;
      case 6: case 7: case 8: case 9: {
        const k = rand() % 5;
        const ins = [];
        for (let m = 0; m < k; m++) ins.push(pick(i));
        if (op === 6) {
          p = Promise.all(ins).then((vs) => { log(name, 'all', vs.join('|')); return name; },
            (e) => { log(name, 'all rejected', e); throw name; });
        } else if (op === 7) {
          p = Promise.allSettled(ins).then((rs) => { log(name, 'allSettled', rs.map(settled).join('|')); return name; });
        } else if (op === 8) {
          p = Promise.race(ins).then((v) => { log(name, 'race', v); return name; },
            (e) => { log(name, 'race rejected', e); throw name; });
        } else {
          p = Promise.any(ins).then((v) => { log(name, 'any', v); return name; },
            (e) => { log(name, 'any rejected', e.errors.join('|')); throw name; });
        }
        break;
      }
      case 10: {
        const mode = rand() % 4;
        p = Promise.resolve({
          then(res, rej) {
            log(name, 'thenable then');
            if (mode === 0) res(name);
            else if (mode === 1) rej(name);
            else later(mode === 3, () => { log(name, 'thenable settles'); res(name); });
          },
        });
        break;
      }
      case 11: {
        const target = pick(i);
        const how = rand() % 2;
        p = new Promise((r) => later(how === 1, () => { log(name, 'resolving with a promise'); r(target); }));
        break;
      }
      case 12: {
        const src = pick(i);
        const target = pick(i);
        p = src.then((v) => { log(name, 'then-return', v); return target; });
        break;
      }
      default: {
        const target = pick(i);
        p = new Promise((r) => setImmediate(() => {
          log(name, 'late attach');
          r(target.then((v) => { log(name, 'late then', v); return name; },
            (e) => { log(name, 'late catch', e); return name; }));
        }));
        break;
      }
    }
    P.push(p);
    names.set(p, name);
  }
};
