// SEMANTICS 5.1: a delay of 0 or below (or none) is 1 ms: such timers fire in creation order with 1 ms ones, before 2 ms ones.
function busyWait(ms) { const end = performance.now() + ms; while (performance.now() < end); }
setTimeout(() => console.log('delay 1 (first)'), 1);
setTimeout(() => console.log('delay 0'), 0);
setTimeout(() => console.log('delay -10'), -10);
setTimeout(() => console.log('delay 1 (second)'), 1);
setTimeout(() => console.log('no delay'));
setTimeout(() => console.log('delay 2'), 2);
busyWait(5);
