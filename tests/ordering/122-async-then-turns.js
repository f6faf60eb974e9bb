// SEMANTICS 7: the turn at which a .then on an async function's promise runs, for 0, 1 and 2 awaits inside.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function zero() { return 0; }
async function one() { await null; return 1; }
async function two() { await null; await null; return 2; }
two().then((v) => console.log('settled', v));
one().then((v) => console.log('settled', v));
zero().then((v) => console.log('settled', v));
console.log('sync end');
