// SEMANTICS 3.1-3.3: the drain alternates between the two queues until both are empty.
setImmediate(() => console.log('immediate'));
process.nextTick(() => {
  console.log('T1');
  queueMicrotask(() => {
    console.log('M2');
    process.nextTick(() => {
      console.log('T4');
      process.nextTick(() => console.log('T6'));
    });
  });
  process.nextTick(() => {
    console.log('T2');
    queueMicrotask(() => console.log('M3'));
  });
});
queueMicrotask(() => {
  console.log('M1');
  process.nextTick(() => {
    console.log('T3');
    queueMicrotask(() => console.log('M6'));
  });
  queueMicrotask(() => {
    console.log('M4');
    queueMicrotask(() => console.log('M5'));
    process.nextTick(() => console.log('T5'));
  });
});
