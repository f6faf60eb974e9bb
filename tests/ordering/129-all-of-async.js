// SEMANTICS 6-7: Promise.all over async functions settles when the slowest has returned, with values in input order.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
async function steps(label, n) { for (let i = 0; i < n; i++) await null; console.log(label, 'returns'); return label; }
Promise.all([steps('a', 2), steps('b', 0), steps('c', 1)]).then((v) => console.log('all', v.join(',')));
console.log('sync end');
