// AbortController: aborting again does nothing: listeners ran once, the first reason stays.
const ac = new AbortController();
ac.signal.addEventListener('abort', () => console.log('listener', ac.signal.reason));
ac.abort('first');
console.log('aborted once', ac.signal.reason);
ac.abort('second');
console.log('aborted twice', ac.signal.reason);
setTimeout(() => {
  ac.abort('third');
  console.log('in timer', ac.signal.reason);
}, 1);
