// events.once with a signal: the promise fulfils on the event, or rejects inside abort()
// when the signal is aborted first.
const { EventEmitter, once } = require('events');
const ee = new EventEmitter();
const ac1 = new AbortController();
const ac2 = new AbortController();
once(ee, 'ready', { signal: ac1.signal }).then(
  (args) => console.log('first got', args[0]),
  (e) => console.log('first rejected', e.name));
once(ee, 'ready', { signal: ac2.signal }).then(
  (args) => console.log('second got', args[0]),
  (e) => console.log('second rejected', e.name));
setTimeout(() => {
  ac2.abort();
  console.log('aborted second');
  ee.emit('ready', 'go');
  console.log('emitted');
  ac1.abort();
  console.log('aborted first after the event');
}, 1);
