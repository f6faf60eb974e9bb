// A removed listener is not called; one added after the abort is never called; each
// listener runs once.
const ac = new AbortController();
const removed = () => console.log('removed listener');
ac.signal.addEventListener('abort', () => console.log('kept listener 1'));
ac.signal.addEventListener('abort', removed);
ac.signal.addEventListener('abort', () => console.log('kept listener 2'));
ac.signal.removeEventListener('abort', removed);
ac.abort();
ac.signal.addEventListener('abort', () => console.log('late listener'));
ac.abort();
setTimeout(() => console.log('end'), 1);
