// SEMANTICS 4.5: immediates run FIFO, in the order they were queued, wherever they were queued from.
setImmediate(() => console.log('immediate 1'));
process.nextTick(() => setImmediate(() => console.log('immediate 4 from tick')));
queueMicrotask(() => setImmediate(() => console.log('immediate 5 from microtask')));
setImmediate(() => console.log('immediate 2'));
setImmediate(() => console.log('immediate 3'));
