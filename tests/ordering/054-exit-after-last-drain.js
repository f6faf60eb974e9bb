// SEMANTICS 8.2: the exit hook runs after the last macrotask's drain and after before-exit.
setTimeout(() => {
  console.log('last timer');
  queueMicrotask(() => console.log('microtask from last timer'));
  process.nextTick(() => console.log('tick from last timer'));
}, 5);
process.on('beforeExit', () => console.log('beforeExit'));
process.on('exit', () => console.log('exit'));
