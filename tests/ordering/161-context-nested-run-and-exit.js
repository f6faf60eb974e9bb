// Async context: run() nests and restores the outer store when it returns; exit() runs
// with no store, and what it schedules sees none.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
als.run('outer', () => {
  log('outer before');
  als.run('inner', () => {
    log('inner');
    process.nextTick(() => log('tick from inner'));
  });
  log('outer after inner');
  als.exit(() => {
    log('exit');
    setTimeout(() => log('timeout from exit'), 0);
    queueMicrotask(() => log('microtask from exit'));
  });
  log('outer after exit');
  setTimeout(() => log('timeout from outer'), 0);
});
log('main');
