// SEMANTICS 3: the drain runs after every single macrotask, so reactions queued by an immediate run before the next immediate.
setImmediate(() => {
  console.log('imm1');
  Promise.resolve().then(() => console.log('p after imm1')).then(() => console.log('p2 after imm1'));
  process.nextTick(() => console.log('tick after imm1'));
});
setImmediate(() => {
  console.log('imm2');
  Promise.reject('r').catch((e) => console.log('caught after imm2', e));
  setImmediate(() => console.log('imm3 (next iteration)'));
});
