// SEMANTICS 3.2: microtasks queued while draining the microtask queue run in the same drain, FIFO.
queueMicrotask(() => {
  console.log('microtask 1');
  queueMicrotask(() => {
    console.log('microtask 1a');
    queueMicrotask(() => console.log('microtask 1a-x'));
  });
});
queueMicrotask(() => {
  console.log('microtask 2');
  queueMicrotask(() => console.log('microtask 2a'));
});
process.nextTick(() => console.log('tick'));
setImmediate(() => console.log('immediate'));
