// SEMANTICS 7: await of a thenable that rejects raises at the await after 2 turns; one that throws after resolving keeps the value.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function f() {
  try {
    await { then(res, rej) { console.log('then called'); rej('thenable says no'); } };
  } catch (e) {
    console.log('caught', e);
  }
  const v = await { then(res) { res('first'); throw 'ignored'; } };
  console.log('got', v);
}
f();
console.log('sync end');
