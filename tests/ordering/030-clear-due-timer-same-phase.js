// SEMANTICS 5.5: clearing a due timer from an earlier callback of the same timers phase stops it.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
let b = null;
setTimeout(() => {
  console.log('timer A clears B');
  clearTimeout(b);
}, 5);
b = setTimeout(() => console.log('timer B'), 5);
setTimeout(() => console.log('timer C'), 5);
busyWait(10);
