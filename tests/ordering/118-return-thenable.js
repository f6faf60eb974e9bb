// SEMANTICS 6-7: an async function returning a foreign thenable settles 1 turn after returning a value.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
function thenable(label) { return { then(res) { console.log('then called', label); res(label); } }; }
async function a() { return thenable('th'); }
async function b() { return 'v'; }
a().then((v) => console.log('settled', v));
b().then((v) => console.log('settled', v));
console.log('sync end');
