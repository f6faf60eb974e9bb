// Async context: a then reaction sees the store that was current when then() was called,
// not the store of the code that resolved the promise; a then on a promise that is
// already settled, the same.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
let resolve;
const p = new Promise((r) => { resolve = r; });
als.run('then-A', () => { p.then(() => log('reaction registered in A')); });
als.run('then-B', () => { p.then(() => log('reaction registered in B')); });
als.run('resolver', () => {
  setTimeout(() => {
    log('resolving');
    resolve('v');
    als.run('late', () => { p.then(() => log('reaction registered late')); });
  }, 0);
});
