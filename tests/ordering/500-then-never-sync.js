// SEMANTICS 2: a then callback is never called synchronously, even on a settled promise; the executor runs synchronously.
const p = Promise.resolve('v');
p.then((v) => console.log('then', v));
console.log('sync after then');
new Promise((resolve) => {
  console.log('executor runs synchronously');
  resolve('x');
}).then((v) => console.log('then2', v));
Promise.reject('r').catch((e) => console.log('catch', e));
console.log('sync end');
