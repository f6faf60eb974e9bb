// AbortSignal.timeout(ms) is a timer of that delay: it fires in creation order among
// setTimeout timers of the same delay, and its listeners run inside that timer.
setTimeout(() => console.log('timeout A'), 10);
const signal = AbortSignal.timeout(10);
signal.addEventListener('abort', () => {
  console.log('abort', signal.reason.name);
  queueMicrotask(() => console.log('micro from abort'));
});
setTimeout(() => console.log('timeout B'), 10);
setTimeout(() => console.log('timeout 50', signal.aborted), 50);
