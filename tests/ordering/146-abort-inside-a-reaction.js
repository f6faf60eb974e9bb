// An abort inside a promise reaction: the listeners run inside that reaction, and the
// reactions of the promises the abort rejects queue behind the reactions already queued.
const { setTimeout: delay } = require('timers/promises');
const ac = new AbortController();
ac.signal.addEventListener('abort', () => {
  console.log('listener');
  queueMicrotask(() => console.log('micro from listener'));
});
delay(1000, undefined, { signal: ac.signal }).catch((e) => console.log('delay rejected', e.name));
ac.signal.addEventListener('abort', () => console.log('listener after the delay'));
setTimeout(() => {
  Promise.resolve().then(() => {
    console.log('then 1');
    ac.abort();
    console.log('then 1 after abort');
  });
  Promise.resolve().then(() => console.log('then 2'));
}, 1);
