// SEMANTICS 6: Promise.all keeps input order and rejects like the first rejection in time; all([]) fulfils at once.
let left = 4, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
// settle(label, depth, reject): settles from an immediate `depth` iterations from now.
function settle(label, depth, reject) {
  return new Promise((res, rej) => {
    const go = (d) => setImmediate(() => {
      if (d > 1) return go(d - 1);
      console.log('immediate', label);
      if (reject) rej(label); else res(label);
    });
    go(depth);
  });
}
const late = settle('late', 2, false);
Promise.all([late, Promise.resolve('plain'), Promise.resolve('early')]).then((vs) => console.log('all', vs.join(',')));
const r1 = settle('r1', 3, true);
const r2 = settle('r2', 1, true);
Promise.all([r1, r2, late]).then((vs) => console.log('never', vs), (e) => console.log('all rejected', e));
Promise.all([]).then((vs) => console.log('empty', vs.length));
Promise.all([Promise.resolve('x'), Promise.resolve('y')]).then((vs) => console.log('ready', vs.join(',')));
