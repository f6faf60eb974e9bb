// SEMANTICS 4.5: a cleared immediate never runs, even if it is in the batch of the running check phase.
let i2 = null, i4 = null;
setImmediate(() => {
  console.log('immediate 1');
  clearImmediate(i2);
  queueMicrotask(() => clearImmediate(i4));
});
i2 = setImmediate(() => console.log('immediate 2'));
setImmediate(() => console.log('immediate 3'));
i4 = setImmediate(() => console.log('immediate 4'));
setImmediate(() => console.log('immediate 5'));
