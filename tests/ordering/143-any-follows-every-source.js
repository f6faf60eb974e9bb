// AbortSignal.any: the combined signal aborts with the first source's reason, after the
// source's own listeners; a combination of a combination follows it; later aborts of the
// other sources change nothing.
const a = new AbortController();
const b = new AbortController();
const any = AbortSignal.any([a.signal, b.signal]);
const any2 = AbortSignal.any([any]);
a.signal.addEventListener('abort', () => console.log('a listener 1', any.aborted));
any.addEventListener('abort', () => console.log('any listener', any.reason, any2.aborted));
any2.addEventListener('abort', () => console.log('any2 listener', any2.reason));
a.signal.addEventListener('abort', () => console.log('a listener 2', any.aborted));
b.signal.addEventListener('abort', () => console.log('b listener', any.reason));
b.abort('from b');
console.log('after b', any.aborted, any.reason);
a.abort('from a');
console.log('after a', any.reason, any2.reason);
