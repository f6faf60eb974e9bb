// SEMANTICS 8.1 and 4.5: an unref'd immediate still runs in the check phase while something else keeps the loop alive.
const u = setImmediate(() => console.log('unref immediate'));
u.unref();
setImmediate(() => console.log('ref immediate'));
setTimeout(() => console.log('timer 20'), 20);
