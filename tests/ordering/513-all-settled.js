// SEMANTICS 6: Promise.allSettled never rejects and reports every outcome in input order.
let left = 4, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
let resolveLater;
const later = new Promise((r) => { resolveLater = r; });
const show = (rs) => rs.map((r) => (r.status === 'fulfilled' ? 'ok:' + r.value : 'err:' + r.reason)).join(',');
Promise.allSettled([Promise.reject('a'), later, Promise.resolve('c')]).then((rs) => console.log('settled', show(rs)));
Promise.allSettled([]).then((rs) => console.log('empty', rs.length));
Promise.allSettled([Promise.reject('x'), Promise.reject('y')]).then((rs) => console.log('all rejected', show(rs)));
setImmediate(() => { console.log('immediate'); resolveLater('b'); });
