// SEMANTICS 5.5: clearing a fired timer or immediate is a no-op even after new ones were created (the old handle must not name them).
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
let first = null, firstImmediate = null;
first = setTimeout(() => {
  console.log('timer 1');
  setTimeout(() => console.log('timer 2 runs'), 1);
  clearTimeout(first);
  firstImmediate = setImmediate(() => {
    console.log('immediate 1');
    setImmediate(() => console.log('immediate 2 runs'));
    clearImmediate(firstImmediate);
  });
  // Timer 2 must be due in the next timers phase, which comes before immediate 2's check phase.
  busyWait(2);
}, 1);
