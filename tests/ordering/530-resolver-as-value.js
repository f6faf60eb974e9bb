// SEMANTICS 6 and 2: resolve/reject functions are values that other callbacks can call later; the first call settles the promise.
let resolveA, rejectB;
const a = new Promise((r) => { resolveA = r; });
const b = new Promise((_, rej) => { rejectB = rej; });
a.then((v) => console.log('a fulfilled', v));
b.catch((e) => console.log('b rejected', e));
setImmediate(resolveA, 'from an immediate');
process.nextTick(rejectB, 'from a tick');
setImmediate(resolveA, 'ignored');
queueMicrotask(() => console.log('microtask'));
console.log('sync end');
