// SEMANTICS 4.1 (node's timer lists): in one late timers phase node runs all due timers of one delay before a due timer of another delay.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setTimeout(() => console.log('A: delay 10, deadline 10'), 10);
setTimeout(() => console.log('B: delay 12, deadline 12'), 12);
busyWait(5);
setTimeout(() => console.log('C: delay 10, created 5 ms later, deadline 15'), 10);
busyWait(30);
