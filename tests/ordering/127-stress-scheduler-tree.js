// SEMANTICS 3, 4 and 7: seeded stress: a tree of 400 callbacks where each spawns children as next-ticks, microtasks, immediates or async functions (resuming after one await, several awaits, or an await on an immediate).
let state = 2463534242;
function rand() {
  let x = state;
  x = (x ^ (x << 13)) >>> 0;
  x = (x ^ (x >>> 17)) >>> 0;
  x = (x ^ (x << 5)) >>> 0;
  state = x;
  return x;
}
const LIMIT = 400;
let created = 0;
function run(name) {
  console.log(name);
  const children = rand() % 4;
  for (let i = 0; i < children && created < LIMIT; i++) {
    const id = ++created;
    const kind = rand() % 6;
    if (kind === 0) process.nextTick(() => run('tick ' + id));
    else if (kind === 1) queueMicrotask(() => run('microtask ' + id));
    else if (kind === 2) setImmediate(() => run('immediate ' + id));
    else if (kind === 3) (async () => { await null; run('await ' + id); })();
    else if (kind === 4) {
      (async () => {
        const n = rand() % 3;
        for (let j = 0; j < n; j++) await j;
        run('await' + n + ' ' + id);
      })();
    } else (async () => { await new Promise((r) => setImmediate(r)); run('await-immediate ' + id); })();
  }
}
run('main');
