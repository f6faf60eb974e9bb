// SEMANTICS 4.1 (node quirk): when the drain after a phase's last timer reads the clock (creates a timer), node re-runs the timers phase before check, so a due timer created earlier in the phase runs.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setTimeout(() => {
  console.log('timer A');
  setTimeout(() => console.log('timer B from A'), 1);
  setImmediate(() => console.log('immediate from A'));
  busyWait(5);
  process.nextTick(() => setTimeout(() => console.log('timer 50 from tick of A'), 50));
}, 1);
