// Async context: an async function started inside run() keeps that store across its
// awaits, a run() inside the function gives the awaits under it the inner store, and the
// caller of each go on with their own store when it suspends.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
async function g() {
  log('g start');
  await null;
  log('g after await');
}
async function f() {
  log('f start');
  await null;
  log('f after first await');
  await als.run('inner', () => g());
  log('f after awaiting g');
}
als.run('outer', () => { f(); log('outer after f()'); });
log('main after run');
