// SEMANTICS 6: resolving with a native promise costs 2 extra turns (a thenable job, then a reaction).
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
Promise.resolve('plain').then((v) => console.log('settled', v));
new Promise((r) => r(Promise.resolve('via-promise'))).then((v) => console.log('settled', v));
new Promise((r) => r(Promise.reject('via-rejected'))).catch((e) => console.log('rejected', e));
let resolveLater;
const later = new Promise((r) => { resolveLater = r; });
new Promise((r) => r(later)).then((v) => console.log('settled', v));
queueMicrotask(() => resolveLater('via-pending'));
