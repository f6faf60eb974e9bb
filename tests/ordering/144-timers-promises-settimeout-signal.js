// timers/promises setTimeout with a signal: an abort rejects the pending promise inside
// abort() (its handlers run later, as microtasks) and the timer never fires; an already
// aborted signal gives a rejected promise; an unaborted one fulfils on time.
const { setTimeout: delay } = require('timers/promises');
const ac = new AbortController();
delay(1000, undefined, { signal: ac.signal }).then(
  () => console.log("d1000 fulfilled"),
  (e) => console.log("d1000 rejected", e.name));
ac.signal.addEventListener('abort', () => console.log('listener'));
delay(150).then(() => console.log("d150 fulfilled"));
setTimeout(() => {
  console.log('aborting');
  ac.abort();
  console.log('aborted');
  delay(1, undefined, { signal: ac.signal }).catch((e) => console.log('pre-aborted rejected', e.name));
}, 1);
