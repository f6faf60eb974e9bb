// SEMANTICS 7: await of a foreign thenable resumes after 2 turns (its then is read at the await, called in a job).
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
function thenable(label) {
  return { get then() { console.log('then read', label); return (res) => { console.log('then called', label); res(label); }; } };
}
async function f() {
  const v = await thenable('th');
  console.log('f resumed', v);
}
async function g() {
  const v = await 'plain';
  console.log('g resumed', v);
}
f();
g();
console.log('sync end');
