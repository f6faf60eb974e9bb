// SEMANTICS 3 and 4.1: two timers due in the same timers phase have a full drain between them.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setTimeout(() => {
  console.log('timer A');
  setImmediate(() => console.log('immediate from A'));
  queueMicrotask(() => console.log('microtask from A'));
  process.nextTick(() => {
    console.log('tick from A');
    process.nextTick(() => console.log('tick from tick from A'));
  });
}, 5);
setTimeout(() => {
  console.log('timer B');
  process.nextTick(() => console.log('tick from B'));
}, 5);
busyWait(10);
