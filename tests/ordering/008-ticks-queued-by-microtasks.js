// SEMANTICS 3.3: a tick queued by a microtask runs after the microtask queue is empty, then the drain goes back to microtasks.
setImmediate(() => console.log('immediate'));
queueMicrotask(() => {
  console.log('microtask 1');
  process.nextTick(() => {
    console.log('tick from microtask 1');
    queueMicrotask(() => console.log('microtask from that tick'));
  });
  queueMicrotask(() => console.log('microtask 3 from microtask 1'));
});
queueMicrotask(() => {
  console.log('microtask 2');
  process.nextTick(() => console.log('tick from microtask 2'));
});
