// SEMANTICS 4 + 5 (Node's timer gate): after a timers phase that moved the cached clock, an overdue list waits >= 1 ms, so an immediate queued there runs first
function busy(ms){const e=Date.now()+ms; while(Date.now()<e);}
setTimeout(() => {
  console.log('A');
  busy(60);
  setTimeout(() => console.log('C'), 50);
  setImmediate(() => console.log('I'));
}, 1);
setTimeout(() => console.log('B'), 40);
