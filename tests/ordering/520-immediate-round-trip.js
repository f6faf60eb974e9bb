// SEMANTICS 6 and 3: a promise resolved from an immediate continues its chain in that immediate's drain.
function delay(label) {
  return new Promise((r) => setImmediate(() => { console.log('immediate', label); r(label); }));
}
delay('a')
  .then((v) => { console.log('got', v); return delay('b'); })
  .then((v) => { console.log('got', v); return 'c'; })
  .then((v) => console.log('got', v));
setImmediate(() => console.log('other immediate'));
