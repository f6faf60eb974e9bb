// SEMANTICS 3, 6 and 7: seeded stress: 300 async workers awaiting mixes of values, settled and rejected promises, thenables, nested async calls (returning promises, throwing), and promises resolved from next-ticks and immediates; every rejection is caught.
let state = 2463534242;
function rand() {
  let x = state;
  x = (x ^ (x << 13)) >>> 0;
  x = (x ^ (x >>> 17)) >>> 0;
  x = (x ^ (x << 5)) >>> 0;
  state = x;
  return x;
}
function viaTick(v) { return new Promise((r) => process.nextTick(() => r(v))); }
function viaImmediate(v) { return new Promise((r) => setImmediate(() => r(v))); }
async function nested(name, depth) {
  const k = rand() % 3;
  for (let i = 0; i < k; i++) await i;
  if (depth > 0 && rand() % 2) return nested(name, depth - 1);
  if (rand() % 4 === 0) throw name + '-throw' + depth;
  return name + '-n' + depth + k;
}
async function worker(id) {
  const name = 'w' + id;
  const steps = 1 + rand() % 5;
  for (let s = 0; s < steps; s++) {
    const kind = rand() % 9;
    let v;
    try {
      switch (kind) {
        case 0: v = await String(s); break;
        case 1: v = await Promise.resolve('r' + s); break;
        case 2: v = await Promise.reject('x' + s); break;
        case 3: v = await { then(res) { res('t' + s); } }; break;
        case 4: v = await nested(name, 2); break;
        case 5: v = await viaTick('k' + s); break;
        case 6: v = await viaImmediate('i' + s); break;
        case 7: if (rand() % 2) throw 'thrown' + s; v = 'no-throw'; break;
        default: v = await (async () => { await null; return 'arrow' + s; })(); break;
      }
      console.log(name, s, kind, 'ok', v);
    } catch (e) {
      console.log(name, s, kind, 'caught', e);
    }
  }
  return name;
}
const done = (n) => console.log(n, 'done');
for (let i = 0; i < 300; i++) {
  const where = rand() % 3;
  if (where === 0) worker(i).then(done);
  else if (where === 1) setImmediate(() => worker(i).then(done));
  else process.nextTick(() => worker(i).then(done));
}
console.log('sync end');
