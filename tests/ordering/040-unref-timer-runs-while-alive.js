// SEMANTICS 5.6: an unref'd timer runs while other work keeps the loop alive, and stops mattering when that work ends.
const u1 = setTimeout(() => console.log('unref timer 10'), 10);
u1.unref();
setTimeout(() => console.log('ref timer 50'), 50);
const u2 = setTimeout(() => console.log('unref timer 5000 (never)'), 5000);
u2.unref();
process.on('exit', () => {
  clearTimeout(u2);
  console.log('exit');
});
