// SEMANTICS 6: reactions on one promise run in registration order, each as its own microtask.
let resolve;
const p = new Promise((r) => { resolve = r; });
p.then((v) => {
  console.log('a', v);
  queueMicrotask(() => console.log('microtask from a'));
});
p.then((v) => console.log('b', v));
p.then((v) => console.log('c', v));
queueMicrotask(() => console.log('microtask before resolve'));
resolve('v');
queueMicrotask(() => console.log('microtask after resolve'));
p.then((v) => console.log('d', v));
