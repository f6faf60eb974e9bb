// SEMANTICS 6: a long chain advances one link per microtask turn, interleaved with every other chain.
let left = 1001, n = 0;
function turn() { n++; if (n % 250 === 0) console.log('turn ' + n); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
let p = Promise.resolve(0);
for (let i = 1; i <= 1000; i++) {
  p = p.then((v) => { if ((v + 1) % 250 === 0) console.log('link ' + (v + 1)); return v + 1; });
}
p.then((v) => console.log('chain done', v));
