// SEMANTICS 4.1 and 5.3: one timers phase runs every due timer, in deadline order, before the check phase.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setTimeout(() => console.log('timer 40'), 40);
setTimeout(() => {
  console.log('timer 10');
  setImmediate(() => console.log('immediate from timer 10'));
}, 10);
setTimeout(() => console.log('timer 55'), 55);
setTimeout(() => console.log('timer 25'), 25);
busyWait(70);
