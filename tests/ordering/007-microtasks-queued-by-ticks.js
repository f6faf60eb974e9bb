// SEMANTICS 3.1-3.2: a microtask queued by a tick waits until the next-tick queue is empty, behind older microtasks.
queueMicrotask(() => console.log('microtask from main'));
process.nextTick(() => {
  console.log('tick 1');
  queueMicrotask(() => console.log('microtask from tick 1'));
  process.nextTick(() => console.log('tick 3 from tick 1'));
});
process.nextTick(() => {
  console.log('tick 2');
  queueMicrotask(() => console.log('microtask from tick 2'));
});
