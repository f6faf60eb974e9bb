// SEMANTICS 6: Promise.race settles like the first input to settle; plain values count as fulfilled; race([]) never settles.
let left = 3, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
let resolveSlow;
const slow = new Promise((r) => { resolveSlow = r; });
Promise.race([slow, Promise.resolve('value'), Promise.reject('loser')]).then((v) => console.log('race', v), (e) => console.log('race rejected', e));
Promise.race([slow, Promise.reject('first reject'), Promise.resolve('later value')]).then((v) => console.log('race2', v), (e) => console.log('race2 rejected', e));
Promise.race([]).then((v) => console.log('never', v), (e) => console.log('never rejected', e));
Promise.race([slow]).then((v) => console.log('race3', v), (e) => console.log('race3 rejected', e));
setImmediate(() => { console.log('immediate'); resolveSlow('slow'); });
