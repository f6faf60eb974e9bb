// SEMANTICS 4.5: immediates queued from the ticks and microtasks of an immediate also wait for the next iteration.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setImmediate(() => {
  console.log('immediate 1');
  process.nextTick(() => setImmediate(() => console.log('immediate from tick of 1')));
  queueMicrotask(() => setImmediate(() => console.log('immediate from microtask of 1')));
  setTimeout(() => console.log('timer from immediate 1'), 1);
  busyWait(5);
});
setImmediate(() => console.log('immediate 2'));
