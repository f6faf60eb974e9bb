// SEMANTICS 6: Promise.resolve(p) returns p itself, so it costs no turn; new Promise(r => r(p)) costs 2.
let left = 4, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
const p = Promise.resolve('v');
console.log('same object', Promise.resolve(p) === p);
Promise.resolve(p).then((v) => console.log('via Promise.resolve', v));
new Promise((r) => r(p)).then((v) => console.log('via executor', v));
p.then((v) => console.log('direct', v));
