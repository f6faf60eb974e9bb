// SEMANTICS 4.1 and 5.3: one timers phase runs every due timer, in deadline order, before the check phase.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setTimeout(() => console.log('timer 200'), 200);
setTimeout(() => {
  console.log('timer 10');
  setImmediate(() => console.log('immediate from timer 10'));
}, 10);
setTimeout(() => console.log('timer 300'), 300);
setTimeout(() => console.log('timer 100'), 100);
busyWait(350);
