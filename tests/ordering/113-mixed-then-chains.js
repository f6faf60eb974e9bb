// SEMANTICS 6-7: async functions and then chains share the microtask queue, one reaction or continuation per turn.
async function f() {
  console.log('f 1');
  await null;
  console.log('f 2');
  await null;
  console.log('f 3');
}
Promise.resolve().then(() => console.log('chain 1')).then(() => console.log('chain 2')).then(() => console.log('chain 3'));
f();
Promise.resolve().then(() => console.log('chain2 1')).then(() => console.log('chain2 2'));
console.log('sync end');
