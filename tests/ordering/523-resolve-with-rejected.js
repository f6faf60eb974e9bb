// SEMANTICS 6: resolving with a rejected promise handles it (only the outer promise can be reported) and rejects 2 turns later.
process.on('unhandledRejection', (reason, p) => console.log('unhandledRejection', reason, p === outer ? 'outer' : 'inner'));
process.on('rejectionHandled', () => console.log('rejectionHandled'));
let left = 4, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
const inner = Promise.reject('inner');
const outer = new Promise((r) => r(inner));
const inner2 = Promise.reject('inner2');
new Promise((r) => r(inner2)).catch((e) => console.log('outer2 caught', e));
Promise.resolve().then(() => inner2).catch((e) => console.log('then-returned caught', e));
