// SEMANTICS 3, 4.5, 5.4 and 5.5: seeded stress: 400 nested ticks, microtasks, immediates, 1 ms timers and intervals, with random clears of earlier immediates and timers.
// Only timer and immediate callbacks and the main script create timers; a clock read in the drain
// after a phase's last timer makes node re-run the timers phase (056). Intervals create no
// timers either: node re-inserts an interval behind the timers its callback created (055).
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
let state = 88675123;
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
const timers = [];
const immediates = [];
function spawn(name, mayCreateTimers) {
  console.log(name);
  const children = rand() % 5;
  let wait = false;
  for (let i = 0; i < children && created < LIMIT; i++) {
    const id = ++created;
    // From a tick, a microtask or an interval, a timer or interval becomes an immediate.
    let kind = rand() % 7;
    if (kind >= 5 && !mayCreateTimers) kind = 2;
    if (kind === 0) process.nextTick(() => spawn('tick ' + id, false));
    else if (kind === 1) queueMicrotask(() => spawn('microtask ' + id, false));
    else if (kind === 2) immediates.push(setImmediate(() => spawn('immediate ' + id, true)));
    else if (kind === 3) {
      if (immediates.length > 0) {
        const k = rand() % immediates.length;
        console.log('clear immediate #' + k);
        clearImmediate(immediates[k]);
      }
    } else if (kind === 4) {
      if (timers.length > 0) {
        const k = rand() % timers.length;
        console.log('clear timer #' + k);
        clearTimeout(timers[k]);
      }
    } else if (kind === 5) {
      timers.push(setTimeout(() => spawn('timer ' + id, true), 1));
      wait = true;
    } else {
      const times = 1 + rand() % 3;
      let count = 0;
      const iv = setInterval(() => {
        count++;
        if (count === times) clearInterval(iv);
        spawn('interval ' + id + ' run ' + count, false);
        busyWait(2);
      }, 1);
      timers.push(iv);
      wait = true;
    }
  }
  if (wait) busyWait(2);
}
for (let r = 0; r < 6; r++) spawn('root ' + r, true);
console.log('created ' + created);
