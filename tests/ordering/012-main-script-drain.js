// SEMANTICS 3 and 4: the main script is a macrotask; its ticks and microtasks, nested to any depth, run before the first phase.
setImmediate(() => {
  console.log('immediate');
  process.nextTick(() => console.log('tick from immediate'));
});
process.nextTick(() => {
  console.log('tick 1');
  queueMicrotask(() => {
    console.log('microtask from tick 1');
    process.nextTick(() => {
      console.log('tick from that microtask');
      queueMicrotask(() => console.log('microtask, depth 4'));
    });
  });
});
queueMicrotask(() => console.log('microtask 1'));
console.log('main end');
