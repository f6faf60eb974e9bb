// SEMANTICS 6: finally waits for a promise returned by its callback; a throw or a rejected wait replaces the outcome, anything else keeps it.
let left = 8, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
let resolveWait;
Promise.resolve('v')
  .finally(() => new Promise((r) => { resolveWait = r; }))
  .then((v) => console.log('after wait', v));
Promise.resolve('v').finally(() => { throw 'replaced'; }).catch((e) => console.log('thrown in finally', e));
Promise.resolve('v').finally(() => Promise.reject('rejected wait')).catch((e) => console.log('rejected wait', e));
Promise.reject('orig').finally(() => 'ignored').catch((e) => console.log('original kept', e));
Promise.resolve('v').finally(() => Promise.resolve('ignored')).then((v) => console.log('resolved wait', v));
Promise.resolve('v').finally().then((v) => console.log('no callback', v));
setImmediate(() => { console.log('immediate'); resolveWait('ignored'); });
