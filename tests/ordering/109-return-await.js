// SEMANTICS 7: return await p settles 1 turn after returning a value, 1 turn before returning p.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
const p = Promise.resolve('p');
async function a() { return p; }
async function b() { return await p; }
async function c() { return 'v'; }
a().then((v) => console.log('return p', v));
b().then((v) => console.log('return await p', v));
c().then((v) => console.log('return value', v));
console.log('sync end');
