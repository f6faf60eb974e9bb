// SEMANTICS 3 (recursion): a microtask that queues a microtask keeps the drain going; ticks queued meanwhile wait for the end.
setImmediate(() => console.log('immediate'));
process.nextTick(() => console.log('tick from main'));
let count = 0;
function again() {
  count++;
  if (count === 1) process.nextTick(() => console.log('tick from microtask 1'));
  if (count % 2500 === 0) console.log('microtask ' + count);
  if (count < 10000) queueMicrotask(again);
}
queueMicrotask(again);
