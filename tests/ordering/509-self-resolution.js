// SEMANTICS 6: resolving a promise with itself rejects it with a type error.
const name = (e) => (e instanceof TypeError ? 'TypeError' : e);
let resolve;
const p = new Promise((r) => { resolve = r; });
resolve(p);
p.catch((e) => console.log('executor self', name(e)));
resolve('ignored');
const q = Promise.resolve('x').then(() => q);
q.catch((e) => console.log('then self', name(e)));
console.log('sync end');
