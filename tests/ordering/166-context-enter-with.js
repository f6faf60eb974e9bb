// Async context: enterWith() changes the store for the rest of the running callback and
// for what it schedules from then on; what was scheduled before keeps the old store, and
// the next callback is not affected.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
als.run('A', () => {
  setTimeout(() => {
    process.nextTick(() => log('tick before enterWith'));
    als.enterWith('E');
    log('after enterWith');
    process.nextTick(() => log('tick after enterWith'));
  }, 0);
  setTimeout(() => log('next timeout'), 0);
});
