// SEMANTICS 3: promise reactions, thenable jobs and queueMicrotask share one FIFO microtask queue.
queueMicrotask(() => console.log('q1'));
Promise.resolve().then(() => console.log('p1'));
queueMicrotask(() => console.log('q2'));
Promise.resolve().then(() => { console.log('p2'); queueMicrotask(() => console.log('q3')); }).then(() => console.log('p3'));
Promise.resolve({ then(r) { console.log('thenable job'); r(); } }).then(() => console.log('after thenable'));
queueMicrotask(() => { console.log('q4'); Promise.resolve().then(() => console.log('p4')); });
