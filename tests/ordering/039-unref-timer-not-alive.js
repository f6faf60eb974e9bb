// SEMANTICS 5.6 and 8.1: an unref'd timer does not keep the loop alive: the program ends without running it.
const u = setTimeout(() => console.log('unref timer (never)'), 5000);
u.unref();
setImmediate(() => console.log('immediate'));
process.on('exit', () => {
  clearTimeout(u);
  console.log('exit');
});
console.log('main end');
