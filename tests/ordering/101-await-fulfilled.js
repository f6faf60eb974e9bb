// SEMANTICS 7: await of a fulfilled native promise resumes after exactly 1 turn (no extra turns, unlike resolve with a promise).
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
const p = Promise.resolve('ready');
async function f() {
  const v = await p;
  console.log('f resumed', v);
}
f();
p.then((v) => console.log('then on p', v));
Promise.resolve('other').then((v) => console.log('other then', v));
console.log('sync end');
