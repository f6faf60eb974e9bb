// SEMANTICS 7: an async function runs synchronously up to its first await; the caller's next statement comes after that.
async function f(label) {
  console.log(label, 'body before await');
  await null;
  console.log(label, 'body after await');
}
async function noAwait() {
  console.log('no-await body');
  return 'done';
}
console.log('before call');
const p = f('f');
console.log('after call');
noAwait().then((v) => console.log('no-await settled', v));
console.log('sync end');
p.then(() => console.log('f settled'));
