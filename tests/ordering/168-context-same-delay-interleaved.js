// Async context: timers of the same duration scheduled alternately under two stores run
// in creation order, each with its own store; so do next-ticks.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
for (let i = 0; i < 3; i++) {
  for (const name of ['A', 'B']) {
    als.run(name, () => {
      setTimeout(() => log('timeout ' + i), 1);
      process.nextTick(() => log('tick ' + i));
    });
  }
}
