// SEMANTICS 8.1: an unref'd immediate does not keep the loop alive: alone, it never runs.
const u = setImmediate(() => console.log('unref immediate (never)'));
u.unref();
process.on('exit', () => {
  clearImmediate(u);
  console.log('exit');
});
console.log('main end');
