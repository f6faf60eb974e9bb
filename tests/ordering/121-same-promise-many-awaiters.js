// SEMANTICS 6-7: several awaits on one promise resume in the order they were registered, interleaved with its then reactions.
let resolve;
const p = new Promise((r) => { resolve = r; });
async function waiter(name) { const v = await p; console.log(name, 'got', v); }
waiter('w1');
p.then((v) => console.log('then got', v));
waiter('w2');
waiter('w3');
resolve('shared');
console.log('sync end');
