// SEMANTICS 6: Promise.all keeps input order and rejects like the first rejection in time; all([]) fulfils at once.
let left = 4, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
const late = new Promise((r) => setTimeout(() => { console.log('timer late'); r('late'); }, 5));
Promise.all([late, Promise.resolve('plain'), Promise.resolve('early')]).then((vs) => console.log('all', vs.join(',')));
const r1 = new Promise((_, rej) => setTimeout(() => { console.log('timer r1'); rej('r1'); }, 10));
const r2 = new Promise((_, rej) => setTimeout(() => { console.log('timer r2'); rej('r2'); }, 2));
Promise.all([r1, r2, late]).then((vs) => console.log('never', vs), (e) => console.log('all rejected', e));
Promise.all([]).then((vs) => console.log('empty', vs.length));
Promise.all([Promise.resolve('x'), Promise.resolve('y')]).then((vs) => console.log('ready', vs.join(',')));
