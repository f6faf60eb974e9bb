// A timers/promises delay under AbortSignal.timeout shorter than it: rejected by the
// timeout signal's timer, in that timer's turn, before a setTimeout of the same delay
// made after it.
const { setTimeout: delay } = require('timers/promises');
const signal = AbortSignal.timeout(5);
delay(10, undefined, { signal }).then(
  () => console.log('delay fulfilled'),
  (e) => console.log('delay rejected', e.name, e.cause.name));
setTimeout(() => console.log('timeout 5'), 5);
setTimeout(() => console.log('timeout 50'), 50);
