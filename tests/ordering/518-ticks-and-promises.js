// SEMANTICS 3: after each macrotask next-ticks drain first, then microtasks (promise reactions included), again while ticks were queued.
Promise.resolve().then(() => { console.log('p1'); process.nextTick(() => console.log('tick from p1')); });
process.nextTick(() => { console.log('t1'); Promise.resolve().then(() => console.log('p from t1')); });
Promise.resolve().then(() => console.log('p2')).then(() => console.log('p2 next'));
queueMicrotask(() => console.log('qm'));
process.nextTick(() => console.log('t2'));
setTimeout(() => {
  console.log('timeout');
  Promise.resolve().then(() => console.log('p in timeout'));
  process.nextTick(() => console.log('tick in timeout'));
}, 0);
setTimeout(() => console.log('timeout 2'), 0);
