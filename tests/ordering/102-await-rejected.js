// SEMANTICS 7: await of a rejected promise raises at that await after 1 turn; the catch block runs there.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function f() {
  try {
    await Promise.reject('bad');
    console.log('not reached');
  } catch (e) {
    console.log('caught', e);
  }
  console.log('f after catch');
}
f();
console.log('sync end');
