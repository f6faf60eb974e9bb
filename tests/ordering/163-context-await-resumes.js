// Async context: an async function resumes after await in the store it had when it
// awaited, even when the awaited promise is resolved under another store; its caller goes
// on in its own store as soon as the function suspends.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
let resolve;
const p = new Promise((r) => { resolve = r; });
async function f() {
  log('f before await');
  await p;
  log('f after await p');
  await null;
  log('f after await null');
}
als.run('caller', () => {
  f();
  log('caller after f()');
});
als.run('resolver', () => setTimeout(() => { log('resolving'); resolve(); }, 0));
