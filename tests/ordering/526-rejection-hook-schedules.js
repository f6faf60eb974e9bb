// SEMANTICS 3 step 4 and 6: unhandled-rejection hooks run after the drain; what they schedule runs, and rejections they cause are reported, before the loop goes on.
let first = true;
process.on('unhandledRejection', (reason) => {
  console.log('unhandledRejection', reason);
  if (first) {
    first = false;
    process.nextTick(() => console.log('tick from hook'));
    Promise.resolve().then(() => console.log('microtask from hook'));
    Promise.reject('second');
  }
});
Promise.reject('first');
setTimeout(() => console.log('timeout'), 0);
