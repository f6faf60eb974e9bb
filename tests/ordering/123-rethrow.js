// SEMANTICS 7: a catch block that rethrows rejects the function's promise with the same reason; an outer async function catches it.
async function inner() {
  try { await Promise.reject('deep'); } catch (e) { console.log('inner caught', e); throw e; }
}
async function outer() {
  try { await inner(); console.log('not reached'); } catch (e) { console.log('outer caught', e); }
  return 'outer done';
}
outer().then((v) => console.log(v));
console.log('sync end');
