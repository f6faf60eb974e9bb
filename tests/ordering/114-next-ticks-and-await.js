// SEMANTICS 3 and 7: next-ticks queued by an async function run before the await continuations of the same drain.
async function f() {
  process.nextTick(() => console.log('tick from f'));
  await null;
  console.log('f resumed');
  process.nextTick(() => console.log('tick from resumed f'));
  await null;
  console.log('f resumed again');
}
process.nextTick(() => console.log('tick 1'));
f();
queueMicrotask(() => console.log('microtask'));
console.log('sync end');
