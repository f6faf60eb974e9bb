// Async context: an immediate, a next-tick and a microtask each see the store of
// the run() that scheduled them; outside any run the store is undefined.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
for (const name of ['A', 'B']) {
  als.run(name, () => {
    setImmediate(() => log('immediate ' + name));
    process.nextTick(() => log('tick ' + name));
    queueMicrotask(() => log('microtask ' + name));
    log('inside run ' + name);
  });
}
log('main');
setImmediate(() => log('immediate from main'));
