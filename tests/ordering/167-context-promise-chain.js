// Async context: each link of a then chain sees the store current when that then() was
// called; a then registered inside a reaction under another run sees that run's store.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
als.run('chain', () => {
  Promise.resolve(1)
    .then(() => { log('link 1'); als.run('inner', () => Promise.resolve().then(() => log('inner then'))); })
    .then(() => log('link 2'))
    .finally(() => log('finally'));
});
als.run('other', () => Promise.reject(new Error('x')).catch(() => log('catch')));
