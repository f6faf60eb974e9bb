// SEMANTICS 2: an asynchronous callback never runs before the caller's next statement; its side effect is not seen there.
let value = 0;
console.log('main start');
process.nextTick(() => { value = 1; console.log('tick sets value'); });
queueMicrotask(() => { value = 2; console.log('microtask sets value'); });
setImmediate(() => { console.log('immediate sees value ' + value); });
console.log('main sees value ' + value);
console.log('main end');
