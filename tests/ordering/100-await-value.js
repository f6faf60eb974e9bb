// SEMANTICS 7: await of a plain value resumes after exactly 1 microtask turn.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function f() {
  console.log('f start');
  const v = await 'plain';
  console.log('f resumed', v);
  const u = await undefined;
  console.log('f resumed again', u);
}
f();
console.log('sync end');
