// SEMANTICS 6: resolving with a foreign thenable costs 1 extra turn: its then is read once, synchronously, and called in a job.
let left = 5, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
function thenable(label) {
  return {
    get then() {
      console.log('then read', label);
      return (res) => { console.log('then called', label); res(label); };
    },
  };
}
Promise.resolve('plain').then((v) => console.log('settled', v));
new Promise((r) => r(thenable('executor'))).then((v) => console.log('settled', v));
Promise.resolve(thenable('Promise.resolve')).then((v) => console.log('settled', v));
console.log('sync end');
