// SEMANTICS 3.2: Promise.resolve().then(fn) is one microtask on the same FIFO queue as queueMicrotask; ticks go first.
Promise.resolve().then(() => console.log('then 1'));
queueMicrotask(() => console.log('queueMicrotask 2'));
Promise.resolve().then(() => console.log('then 3'));
process.nextTick(() => console.log('tick'));
queueMicrotask(() => console.log('queueMicrotask 4'));
Promise.resolve().then(() => console.log('then 5'));
console.log('main end');
