// SEMANTICS 6: after the drain, each promise rejected with no handler is reported once, in rejection order; in a chain only the last promise counts.
process.on('unhandledRejection', (reason) => console.log('unhandledRejection', reason));
process.on('rejectionHandled', () => console.log('rejectionHandled'));
Promise.reject('a');
const b = Promise.reject('b');
b.catch((e) => console.log('b handled', e));
Promise.reject('c').then((v) => v).then((v) => v);
new Promise((_, rej) => rej('d'));
Promise.resolve().then(() => { throw 'e'; });
const f = Promise.reject('f');
queueMicrotask(() => f.catch((e) => console.log('f handled in the same drain', e)));
queueMicrotask(() => console.log('microtask'));
process.nextTick(() => console.log('tick'));
setTimeout(() => console.log('timeout'), 0);
console.log('sync end');
