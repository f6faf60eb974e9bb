// SEMANTICS 5.2: a delay counts from the create call (the clock is read there), not from the start of the iteration.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setTimeout(() => {
  console.log('timer A');
  busyWait(50);
  setTimeout(() => console.log('timer B, 20 ms after A returned'), 20);
}, 1);
setTimeout(() => console.log('timer C, 45 ms from main'), 45);
