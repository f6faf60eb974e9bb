// SEMANTICS 8.2: when the loop runs dry the before-exit hook fires; work it schedules restarts the loop, and it fires again; exit comes last.
let n = 0;
process.on('beforeExit', () => {
  n++;
  console.log('beforeExit ' + n);
  if (n < 3) {
    const k = n;
    setTimeout(() => console.log('timer from beforeExit ' + k), 1);
  }
});
process.on('exit', () => console.log('exit'));
console.log('main end');
