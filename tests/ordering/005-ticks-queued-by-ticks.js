// SEMANTICS 3.1: ticks queued while draining the next-tick queue run in the same drain, FIFO, before any microtask.
queueMicrotask(() => console.log('microtask'));
process.nextTick(() => {
  console.log('tick 1');
  process.nextTick(() => {
    console.log('tick 1a');
    process.nextTick(() => console.log('tick 1a-x'));
  });
  process.nextTick(() => console.log('tick 1b'));
});
process.nextTick(() => {
  console.log('tick 2');
  process.nextTick(() => console.log('tick 2a'));
});
