// SEMANTICS 6: returning a promise from a then callback costs 2 extra turns; returning a thenable 1.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
Promise.resolve('a').then(() => 'value').then((v) => console.log('after value', v));
Promise.resolve('a').then(() => Promise.resolve('promise')).then((v) => console.log('after promise', v));
Promise.resolve('a').then(() => ({ then(r) { console.log('thenable then'); r('thenable'); } }))
  .then((v) => console.log('after thenable', v));
Promise.resolve('a').then(() => Promise.reject('rejected')).catch((e) => console.log('after rejected', e));
