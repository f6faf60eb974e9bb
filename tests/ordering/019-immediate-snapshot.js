// SEMANTICS 4.5: an immediate queued by an immediate waits for the next iteration (a due timer runs before it).
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setImmediate(() => {
  console.log('immediate 1');
  setTimeout(() => console.log('timer from immediate 1'), 1);
  setImmediate(() => console.log('immediate 3 from immediate 1'));
  busyWait(5);
});
setImmediate(() => console.log('immediate 2'));
