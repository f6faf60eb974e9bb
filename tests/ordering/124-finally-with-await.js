// SEMANTICS 7: an await inside finally delays the function's settlement; the original outcome is kept.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function f() {
  try {
    await null;
    throw 'original';
  } finally {
    console.log('finally start');
    await 'cleanup';
    console.log('finally end');
  }
}
f().catch((e) => console.log('caught', e));
console.log('sync end');
