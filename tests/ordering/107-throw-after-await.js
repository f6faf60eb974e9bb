// SEMANTICS 7: a throw after an await rejects the promise when it happens; a catch on it runs 1 turn later.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function f() {
  await 'a';
  console.log('f throws');
  throw 'late';
}
f().catch((e) => console.log('caught', e));
console.log('sync end');
