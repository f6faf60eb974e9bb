// SEMANTICS 3, 4 and 5: seeded stress: 400 nested ticks, microtasks, immediates and 1 ms timers (each timer's creator busy-waits 2 ms, so it is due in the next timers phase).
// Only macrotasks (timers, immediates, the main script) create timers: a clock read in the drain
// after a phase's last timer makes node re-run the timers phase (056), outside SEMANTICS 4.1.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
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
function run(name, macrotask) {
  console.log(name);
  const children = rand() % 4;
  let madeTimer = false;
  for (let i = 0; i < children && created < LIMIT; i++) {
    const id = ++created;
    // Timers are twice as likely as the other kinds from a macrotask; from a tick or a
    // microtask a timer becomes an immediate.
    let kind = rand() % 5;
    if (kind === 4) kind = 3;
    if (kind === 3 && !macrotask) kind = 2;
    if (kind === 0) process.nextTick(() => run('tick ' + id, false));
    else if (kind === 1) queueMicrotask(() => run('microtask ' + id, false));
    else if (kind === 2) setImmediate(() => run('immediate ' + id, true));
    else {
      setTimeout(() => run('timer ' + id, true), 1);
      madeTimer = true;
    }
  }
  if (madeTimer) busyWait(2);
}
for (let r = 0; r < 6; r++) run('root ' + r, true);
console.log('created ' + created);
