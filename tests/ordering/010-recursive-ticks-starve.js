// SEMANTICS 3 (recursion): a tick that queues a tick keeps the drain going; microtasks and immediates wait for all of them.
setImmediate(() => console.log('immediate'));
queueMicrotask(() => console.log('microtask'));
let count = 0;
function again() {
  count++;
  if (count % 2500 === 0) console.log('tick ' + count);
  if (count < 10000) process.nextTick(again);
}
process.nextTick(again);
