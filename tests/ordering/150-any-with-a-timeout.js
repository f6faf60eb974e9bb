// AbortSignal.any over a controller and AbortSignal.timeout: the timeout's timer aborts
// the combination; the controller aborting later changes nothing.
const ac = new AbortController();
const t = AbortSignal.timeout(10);
const any = AbortSignal.any([ac.signal, t]);
any.addEventListener('abort', () => console.log('any aborted', any.reason.name));
t.addEventListener('abort', () => console.log('timeout aborted'));
setTimeout(() => console.log('timer 10'), 10);
setTimeout(() => {
  ac.abort();
  console.log('controller aborted later', any.reason.name);
}, 15);
