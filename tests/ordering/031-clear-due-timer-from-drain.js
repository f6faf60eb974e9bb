// SEMANTICS 5.5: the ticks and microtasks of an earlier timer can clear a due timer of the same phase.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
let b = null, c = null;
setTimeout(() => {
  console.log('timer A');
  process.nextTick(() => { console.log('tick of A clears B'); clearTimeout(b); });
  queueMicrotask(() => { console.log('microtask of A clears C'); clearTimeout(c); });
}, 5);
b = setTimeout(() => console.log('timer B'), 5);
c = setTimeout(() => console.log('timer C'), 5);
setTimeout(() => console.log('timer D'), 5);
busyWait(10);
