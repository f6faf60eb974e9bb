// SEMANTICS 5.6: ref/unref toggle whether a timer keeps the loop alive; ref after unref makes it count again.
const t = setTimeout(() => console.log('timer runs'), 10);
console.log('has ref: ' + t.hasRef());
t.unref();
console.log('after unref: ' + t.hasRef());
t.ref();
console.log('after ref: ' + t.hasRef());
