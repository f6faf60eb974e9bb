// SEMANTICS 7: awaiting another async function's promise: its return settles it, the awaiter resumes 1 turn later.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function inner() {
  console.log('inner start');
  await null;
  console.log('inner end');
  return 'inner value';
}
async function outer() {
  console.log('outer start');
  const v = await inner();
  console.log('outer got', v);
  return v + '!';
}
outer().then((v) => console.log('outer settled', v));
console.log('sync end');
