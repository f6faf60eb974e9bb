// SEMANTICS 6: combinators over promises that adopt thenables and promises: each input's own turn cost decides when the combinator settles.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
const thenable = (label) => ({ then(r) { console.log('then', label); r(label); } });
const follow = (p) => new Promise((r) => r(p));
const a = Promise.resolve(thenable('a'));
const b = follow(Promise.resolve('b'));
const c = Promise.resolve('c');
Promise.all([a, b, c]).then((vs) => console.log('all', vs.join(',')));
Promise.race([a, b]).then((v) => console.log('race', v));
Promise.race([b, a]).then((v) => console.log('race reversed', v));
Promise.any([follow(Promise.reject('x')), a]).then((v) => console.log('any', v));
Promise.allSettled([b, Promise.resolve(thenable('d'))]).then((rs) => console.log('allSettled', rs.map((r) => r.value).join(',')));
