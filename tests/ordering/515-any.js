// SEMANTICS 6: Promise.any fulfils like the first fulfilment; all rejected gives an aggregate error with the reasons in input order; any([]) rejects at once.
let left = 3, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
let rejectLater;
const later = new Promise((_, rej) => { rejectLater = rej; });
const agg = (e) => (e instanceof AggregateError ? 'AggregateError ' + e.errors.join(',') : e);
Promise.any([Promise.reject('a'), Promise.resolve('b'), Promise.resolve('c')]).then((v) => console.log('any', v));
Promise.any([later, Promise.reject('y'), Promise.reject('z')]).catch((e) => console.log('any rejected', agg(e)));
Promise.any([]).catch((e) => console.log('empty', agg(e)));
setImmediate(() => { console.log('immediate'); rejectLater('x'); });
