// Nested aborts: a listener of one controller aborts another, whose listeners run inside
// it; a listener aborting its own controller again does nothing.
const outer = new AbortController();
const inner = new AbortController();
outer.signal.addEventListener('abort', () => {
  console.log('outer listener 1');
  inner.abort('inner reason');
  console.log('outer listener 1 after inner abort');
  outer.abort('again');
});
inner.signal.addEventListener('abort', () => console.log('inner listener', inner.signal.reason));
outer.signal.addEventListener('abort', () => console.log('outer listener 2', outer.signal.reason));
inner.signal.addEventListener('abort', () => console.log('inner listener 2'));
outer.abort('outer reason');
console.log('done', outer.signal.reason, inner.signal.reason);
