// SEMANTICS 6: finally costs 2 more turns than then and keeps the outcome it was given.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
Promise.resolve('v').then((x) => x).then((v) => console.log('then done', v));
Promise.resolve('v').finally(() => console.log('finally callback')).then((v) => console.log('finally done', v));
Promise.reject('r').finally(() => console.log('finally callback 2')).catch((e) => console.log('finally caught', e));
Promise.reject('r').then((x) => x).catch((e) => console.log('then caught', e));
