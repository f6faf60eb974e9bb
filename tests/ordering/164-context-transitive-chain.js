// Async context: the store follows a chain of causes across kinds: a timer schedules an
// immediate, which queues a next-tick, which queues a microtask, which creates a timer;
// a timer created inside a callback sees the callback's store. The second chain starts
// under run('B') inside the first chain's last callback.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
function first() {
  log('timeout');
  setImmediate(() => {
    log('immediate');
    process.nextTick(() => {
      log('tick');
      queueMicrotask(() => {
        log('microtask');
        setTimeout(() => {
          log('last timeout');
          if (als.getStore() === 'A') als.run('B', () => setTimeout(first, 1));
        }, 1);
      });
    });
  });
}
als.run('A', () => setTimeout(first, 1));
