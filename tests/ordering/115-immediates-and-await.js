// SEMANTICS 3-4 and 7: an async function awaiting a promise settled by an immediate resumes in the drain after that immediate.
function sleepImmediate(label) { return new Promise((r) => setImmediate(() => { console.log('immediate', label); r(label); })); }
async function f() {
  console.log('f start');
  const a = await sleepImmediate('one');
  console.log('f got', a);
  const b = await sleepImmediate('two');
  console.log('f got', b);
}
setImmediate(() => {
  console.log('outer immediate');
  f();
  setImmediate(() => console.log('later immediate'));
  process.nextTick(() => console.log('tick after f'));
});
console.log('sync end');
