// SEMANTICS 8.2 and 3: an immediate queued by the before-exit hook restarts the loop; the hook's drain runs first.
let n = 0;
process.on('beforeExit', () => {
  n++;
  console.log('beforeExit ' + n);
  if (n === 1) {
    setImmediate(() => {
      console.log('immediate from beforeExit');
      process.nextTick(() => console.log('tick from that immediate'));
    });
    process.nextTick(() => console.log('tick from beforeExit'));
  }
});
process.on('exit', () => console.log('exit'));
setImmediate(() => console.log('immediate from main'));
