// AbortController: abort listeners run synchronously inside abort(), in the order they
// were added; what they queue runs after the caller's code.
const ac = new AbortController();
ac.signal.addEventListener('abort', () => {
  console.log('listener 1');
  queueMicrotask(() => console.log('micro from listener 1'));
  process.nextTick(() => console.log('tick from listener 1'));
});
ac.signal.addEventListener('abort', () => console.log('listener 2', ac.signal.aborted));
queueMicrotask(() => console.log('micro before abort'));
console.log('before abort');
ac.abort();
console.log('after abort', ac.signal.aborted);
