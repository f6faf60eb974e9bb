// SEMANTICS 8.2: ticks and microtasks queued by the before-exit hook run in its drain but do not restart the loop: it fires once.
let n = 0;
process.on('beforeExit', () => {
  n++;
  console.log('beforeExit ' + n);
  if (n === 1) {
    queueMicrotask(() => console.log('microtask from beforeExit'));
    process.nextTick(() => console.log('tick from beforeExit'));
  }
});
process.on('exit', () => console.log('exit'));
console.log('main end');
