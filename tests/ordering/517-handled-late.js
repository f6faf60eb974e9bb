// SEMANTICS 6: a handler attached in a later macrotask still runs, and the promise is then reported as handled-late.
const reasons = new Map();
process.on('unhandledRejection', (reason) => console.log('unhandledRejection', reason));
process.on('rejectionHandled', (p) => console.log('rejectionHandled', reasons.get(p)));
const p = Promise.reject('late');
reasons.set(p, 'late');
const q = Promise.reject('never handled');
reasons.set(q, 'never handled');
setTimeout(() => {
  console.log('timeout attaches a handler');
  p.catch((e) => console.log('caught', e));
  queueMicrotask(() => console.log('microtask'));
  process.nextTick(() => console.log('tick'));
  setImmediate(() => console.log('immediate'));
  console.log('timeout end');
}, 0);
