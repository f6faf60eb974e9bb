// Async context: every repetition of an interval sees the store of setInterval's caller,
// whoever clears it and whatever the other timers around it see.
const { AsyncLocalStorage } = require('async_hooks');
const als = new AsyncLocalStorage();
const log = (label) => console.log(label + ': ' + als.getStore());
let n = 0, iv;
als.run('interval', () => {
  iv = setInterval(() => {
    n++;
    log('repeat ' + n);
    if (n === 2) als.run('other', () => setTimeout(() => log('timeout from repeat 2'), 0));
  }, 1);
});
als.run('clearer', () => {
  setTimeout(function check() {
    if (n >= 3) { log('clearing'); clearInterval(iv); } else setTimeout(check, 1);
  }, 1);
});
