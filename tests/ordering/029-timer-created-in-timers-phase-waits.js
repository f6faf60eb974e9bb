// SEMANTICS 4.1: a timer created during the timers phase (by a timer, its tick or its microtask) never runs in that phase, even when due.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setTimeout(() => {
  console.log('timer A');
  setTimeout(() => console.log('timer B from A'), 1);
  process.nextTick(() => setTimeout(() => console.log('timer C from tick of A'), 1));
  queueMicrotask(() => setTimeout(() => console.log('timer D from microtask of A'), 1));
  setImmediate(() => console.log('immediate from A'));
  busyWait(5);
}, 1);
// Z is the phase's last timer, so no clock read happens in the drain after the phase's last
// callback (see 056 for what node does then).
setTimeout(() => console.log('timer Z, due with A'), 1);
busyWait(5);
