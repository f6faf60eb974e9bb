// SEMANTICS 2: from inside a callback too, everything scheduled runs after that callback has returned.
let value = 0;
setTimeout(() => {
  console.log('timer start');
  setTimeout(() => { console.log('timer 2 sees value ' + value); }, 0);
  setImmediate(() => { value = 3; console.log('immediate'); });
  queueMicrotask(() => { value = 2; console.log('microtask'); });
  process.nextTick(() => { value = 1; console.log('tick'); });
  console.log('timer sees value ' + value);
  console.log('timer end');
}, 1);
