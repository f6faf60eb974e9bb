// SEMANTICS 6: independent chains interleave one reaction per microtask turn.
const a = Promise.resolve('a0');
const b = Promise.resolve('b0');
a.then((v) => { console.log(v); return 'a1'; })
  .then((v) => { console.log(v); return 'a2'; })
  .then((v) => console.log(v));
b.then((v) => { console.log(v); return 'b1'; })
  .then((v) => { console.log(v); return 'b2'; })
  .then((v) => { console.log(v); return 'b3'; })
  .then((v) => console.log(v));
Promise.resolve('c0').then((v) => console.log(v));
