// SEMANTICS 3.1-3.2: the whole next-tick queue runs before the first microtask, whatever the registration order.
queueMicrotask(() => console.log('microtask 1'));
process.nextTick(() => console.log('tick 1'));
queueMicrotask(() => console.log('microtask 2'));
process.nextTick(() => console.log('tick 2'));
queueMicrotask(() => console.log('microtask 3'));
process.nextTick(() => console.log('tick 3'));
console.log('main end');
