// SEMANTICS 7: an async function started inside a then handler runs to its first await inside that handler.
let left = 6, n = 0;
function turn() { console.log('turn ' + (++n)); if (--left > 0) queueMicrotask(turn); }
queueMicrotask(turn);
Promise.resolve().then(() => {
  console.log('handler start');
  (async () => { console.log('async body'); await null; console.log('async resumed'); })();
  console.log('handler end');
});
console.log('sync end');
