// SEMANTICS 7: an async function that returns a promise settles 2 turns after one that returns a value.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function value() { return 'value'; }
async function promise() { return Promise.resolve('promise'); }
async function pending() { return new Promise((r) => queueMicrotask(() => r('pending'))); }
promise().then((v) => console.log('settled', v));
value().then((v) => console.log('settled', v));
pending().then((v) => console.log('settled', v));
console.log('sync end');
