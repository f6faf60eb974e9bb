// SEMANTICS 7: a throw before the first await rejects the async function's promise; the caller is not interrupted.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function f() {
  console.log('f body');
  throw 'early';
}
const p = f();
console.log('after call');
p.catch((e) => console.log('caught', e));
Promise.resolve('x').then((v) => console.log('then', v));
console.log('sync end');
