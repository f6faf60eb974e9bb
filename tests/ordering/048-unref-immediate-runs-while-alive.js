// SEMANTICS 8.1 and 4.5: an unref'd immediate runs in a check phase that something else keeps the loop alive for; one queued when nothing does never runs.
let u2 = null;
const u = setImmediate(() => console.log('unref immediate'));
u.unref();
setImmediate(() => {
  console.log('ref immediate');
  u2 = setImmediate(() => console.log('unref immediate 2 (never)'));
  u2.unref();
});
process.on('exit', () => {
  clearImmediate(u2);
  console.log('exit');
});
