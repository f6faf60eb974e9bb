// SEMANTICS 6: a rejection skips fulfilment handlers, a catch handler that throws rejects the next promise, and one that returns fulfils it.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
Promise.reject('x')
  .catch((e) => { console.log('catch1', e); throw 'y'; })
  .then((v) => console.log('never', v))
  .catch((e) => { console.log('catch2', e); return 'z'; })
  .then((v) => console.log('then', v));
Promise.resolve('ok')
  .then((v) => { console.log('then1', v); throw 'thrown'; })
  .then(null, (e) => { console.log('rejection handler', e); return 'recovered'; })
  .catch((e) => console.log('never', e))
  .then((v) => console.log('final', v));
