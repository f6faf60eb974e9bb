// SEMANTICS 3 and 4.5: each immediate of a check phase is followed by a full drain before the next one.
setImmediate(() => {
  console.log('immediate 1');
  queueMicrotask(() => {
    console.log('microtask from 1');
    process.nextTick(() => console.log('tick from microtask from 1'));
  });
  process.nextTick(() => console.log('tick from 1'));
});
setImmediate(() => {
  console.log('immediate 2');
  process.nextTick(() => console.log('tick from 2'));
});
setImmediate(() => console.log('immediate 3'));
