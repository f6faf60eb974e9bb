// SEMANTICS 7: await of a pending promise resumes exactly 1 turn after it settles.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
let resolveLater;
const later = new Promise((r) => { resolveLater = r; });
async function f() {
  const v = await later;
  console.log('f resumed', v);
}
f();
later.then((v) => console.log('then on later', v));
queueMicrotask(() => { console.log('resolving'); resolveLater('late'); });
console.log('sync end');
