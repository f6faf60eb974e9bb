// Abort reasons: abort() gives an AbortError, abort(reason) keeps the reason,
// AbortSignal.abort() is born aborted, and the reason reaches a timers/promises delay.
const { setTimeout: delay } = require('timers/promises');
const a = new AbortController();
const b = new AbortController();
const born = AbortSignal.abort();
console.log('born aborted', born.aborted, born.reason.name);
a.signal.addEventListener('abort', () => console.log('a reason', a.signal.reason.name));
b.signal.addEventListener('abort', () => console.log('b reason', b.signal.reason));
delay(10, undefined, { signal: b.signal }).catch((e) => console.log('delay cause', e.cause));
a.abort();
b.abort('custom');
console.log('a then b', a.signal.aborted, b.signal.aborted);
